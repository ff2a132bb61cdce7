import Foundation
import SoakPostgres
import Testing

/// A connection's thread lives exactly as long as the connection: started by `open`, used by all its
/// calls, ended by `close()`, with nothing left behind over many cycles.
@Suite("A PostgreSQL connection's own thread, against a real PostgreSQL 15", .timeLimit(.minutes(2)))
struct PostgresThreadTests {
    /// The names of this process's threads (`/proc/self/task/*/comm`). Tests count a connection's
    /// threads by the name its probe gives them (`pg:<probe>`), as other tests run connections in
    /// this process at the same time.
    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines)
        }
    }

    /// How many threads have a name starting with `prefix`.
    static func threads(named prefix: String) -> Int {
        threadNames().filter { $0.hasPrefix(prefix) }.count
    }

    @Test func eachConnectionRunsOnOneThreadThatEndsAfterItsCloseAcross200Cycles() async throws {
        let postgres = try await PostgresServer()
        let endpoint = PostgresEndpoint(name: "threads", dsn: postgres.dsn, connectTimeout: .seconds(5))
        #expect(Self.threads(named: "pg:cycle-") == 0)
        // Each round's probe names its thread, so a thread still exiting from the round before is not counted.
        var whileOpen: Set<Int> = []
        for round in 0..<200 {
            let connection = try await PostgresConnection.open(endpoint, probe: "cycle-\(round)", timeout: .seconds(5)).get().connection
            let rows = try await connection.query("SELECT \(round)", timeout: .seconds(5)).get().rows
            #expect(rows == [["\(round)"]])
            _ = await connection.watch(until: .now + .milliseconds(1))
            _ = try await connection.query("SELECT 1", timeout: .seconds(5)).get()
            whileOpen.insert(Self.threadNames().filter { $0 == "pg:cycle-\(round)" }.count)
            connection.close()
        }
        #expect(whileOpen == [1])
        #expect(try await eventually { Self.threads(named: "pg:cycle-") == 0 })
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
        #expect(try await eventually { Self.threads(named: "pg:thread-refus") == 0 })
    }

    @Test func cancellingTheTaskEndsAWaitAtOnceAndTheThreadEndsAfterClose() async throws {
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
        #expect(try await eventually { Self.threads(named: "pg:thread-cance") == 0 })
    }
}
