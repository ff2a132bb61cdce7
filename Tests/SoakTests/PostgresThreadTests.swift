import Foundation
import SoakPostgres
import Testing

/// A connection's thread lives exactly as long as the connection: opened with it, used by all its
/// calls, ended and joined by `close()`, with nothing left behind over many cycles.
@Suite("A PostgreSQL connection's own thread, against a real PostgreSQL 15", .timeLimit(.minutes(2)))
struct PostgresThreadTests {
    /// How many of this process's threads (`/proc/self/task`) carry `name`. Threads are counted by
    /// the name a connection's probe gives them, as other tests run connections at the same time.
    static func threads(named name: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
            return comm?.trimmingCharacters(in: .newlines) == name
        }.count
    }

    @Test func eachConnectionRunsOnOneThreadThatItsCloseEndsAcross200Cycles() async throws {
        let postgres = try await PostgresServer()
        let endpoint = PostgresEndpoint(name: "threads", dsn: postgres.dsn, connectTimeout: .seconds(5))
        // `pg:` and the probe, cut to the 15 bytes a thread name holds.
        let name = "pg:thread-cycle"
        let before = Self.threads(named: name)
        var whileOpen: Set<Int> = []
        var afterClose: Set<Int> = []
        for round in 0..<200 {
            let connection = try await PostgresConnection.open(endpoint, probe: "thread-cycles", timeout: .seconds(5)).get().connection
            let rows = try await connection.query("SELECT \(round)", timeout: .seconds(5)).get().rows
            #expect(rows == [["\(round)"]])
            _ = await connection.watch(until: .now + .milliseconds(1))
            _ = try await connection.query("SELECT 1", timeout: .seconds(5)).get()
            whileOpen.insert(Self.threads(named: name))
            connection.close()
            afterClose.insert(Self.threads(named: name))
        }
        #expect(before == 0)
        #expect(whileOpen == [1])
        #expect(afterClose == [0])
    }

    @Test func aFailedConnectionLeavesNoThread() async throws {
        let endpoint = PostgresEndpoint(name: "threads", dsn: "host=127.0.0.1 port=\(try freePort()) dbname=x user=soak", connectTimeout: .seconds(5))
        for _ in 0..<20 {
            let result = await PostgresConnection.open(endpoint, probe: "thread-refused", timeout: .seconds(5))
            guard case .failure(let failure) = result else {
                Issue.record("connected to a closed port")
                return
            }
            #expect(failure.reason == .connect)
        }
        #expect(Self.threads(named: "pg:thread-refus") == 0)
    }

    @Test func cancellingTheTaskEndsAWaitAtOnceAndCloseEndsTheThread() async throws {
        let postgres = try await PostgresServer()
        let endpoint = PostgresEndpoint(name: "threads", dsn: postgres.dsn, connectTimeout: .seconds(5))
        let connection = try await PostgresConnection.open(endpoint, probe: "thread-cancel", timeout: .seconds(5)).get().connection
        let watching = Task { await connection.watch(until: .now + .seconds(600)) }
        watching.cancel()
        // The suite's time limit fails this if the wait does not end until its deadline.
        guard case .lost(let failure) = await watching.value else {
            Issue.record("the watch ended without the cancellation")
            return
        }
        #expect(failure.reason == .cancelled)
        #expect(Self.threads(named: "pg:thread-cance") == 1)
        connection.close()
        #expect(Self.threads(named: "pg:thread-cance") == 0)
    }
}
