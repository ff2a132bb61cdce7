import Foundation
@testable import Soak
import SoakPostgres
import Testing

/// Reloads are applied one at a time and exactly once, whatever asks for them and however they overlap.
@Suite("Reloads: one at a time, never a scenario twice", .timeLimit(.minutes(2)))
struct ReloadTests {
    /// A 10/s scenario whose SQL pool waits 10 s on a database that never answers, so the start and
    /// every restart of the scenario take that long: a SIGHUP during start-up and three concurrent
    /// `POST /-/reload` once ran it five times (50/s). Counted by the target itself (nginx's log).
    @Test func overlappingReloadsKeepTheConfiguredRate() async throws {
        let nginx = try await Nginx(logRequests: true)
        let silent = try SilentListener()
        func config(generation: Int) -> String {
            """
            targets:
              nginx: { url: "\(nginx.baseURL)" }
            scenarios:
              - name: paced
                target: nginx
                rate: 10/s
                pools:
                  ids:
                    sql: SELECT 1
                    dsn: "host=127.0.0.1 port=\(silent.port) dbname=none user=none"
                    fallback: { values: [1, 2, 3] }
                requests:
                  - { name: get, path: "/gen\(generation)/{{ pool \\"ids\\" }}" }
            """
        }
        let soak = try await RunningSoak(config: config(generation: 1), extraArguments: ["--web.enable-lifecycle"])
        try await Task.sleep(for: .seconds(1))
        soak.signal(SIGHUP)
        let answers = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<3 {
                group.addTask { await BlockingThread.run(name: "reload") { (try? HTTP.request(soak.baseURL + "/-/reload", method: "POST", timeout: 60).status) ?? 0 } }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(answers == [200, 200, 200], "log:\n\(soak.log)")
        // Every reload has been answered, so all of them have been applied. The scenario's schedule
        // started with its first request: at 10/s it may have sent 10 a second since then, however late
        // a busy machine made some (the open model sends late sends late, it never skips them). One
        // copy too many would have sent twice that, five (what once ran) five times.
        try await Task.sleep(for: .seconds(6))
        let requests = nginx.requests.filter { $0.uri.hasPrefix("/gen") }
        let first = try #require(requests.first).at
        let elapsed = Date().timeIntervalSince1970 - first
        #expect(Double(requests.count) <= elapsed * 10 + 5, "sent \(requests.count) in \(elapsed) s at 10/s; log:\n\(soak.log)")
        #expect(Double(requests.count) >= elapsed * 10 * 0.5, "sent \(requests.count) in \(elapsed) s at 10/s")

        // A changed scenario: the old one keeps sending while the new one loads its pool (10 s), then
        // the new one takes over. No gap, no overlap.
        try soak.writeConfig(config(generation: 2))
        let reloadStarted = Date().timeIntervalSince1970
        let status = await BlockingThread.run(name: "reload") { (try? HTTP.request(soak.baseURL + "/-/reload", method: "POST", timeout: 60).status) ?? 0 }
        #expect(status == 200)
        try await Task.sleep(for: .seconds(3))
        let reloadEnded = Date().timeIntervalSince1970
        let all = nginx.requests.filter { $0.uri.hasPrefix("/gen") }
        let window = all.filter { $0.at >= reloadStarted && $0.at < reloadEnded }
        let span = reloadEnded - reloadStarted
        #expect(Double(all.count) <= (reloadEnded - first) * 10 + 5, "\(all.count) requests in \(reloadEnded - first) s at 10/s")
        #expect(Double(window.count) >= span * 10 * 0.5, "\(window.count) requests in \(span) s at 10/s: the old scenario stopped before the new one was ready")
        let firstNew = try #require(window.first { $0.uri.hasPrefix("/gen2/") }).at
        let lastOld = try #require(window.last { $0.uri.hasPrefix("/gen1/") }).at
        #expect(firstNew - reloadStarted >= 9, "the new scenario started before its pool had loaded")
        #expect(abs(firstNew - lastOld) < 1, "old and new overlapped or left a gap: last old \(lastOld), first new \(firstNew)")
    }
}

/// A reload restarts only the entries whose config changed, for every kind of entry: scenarios,
/// database entries and HTTP probes (the database entries' holds are checked in DatabaseProbeTests).
@Suite("Reloads restart only what changed", .timeLimit(.minutes(2)))
struct ReloadScopeTests {
    @Test func onlyTheChangedScenarioDatabaseAndProbeRestart() async throws {
        let nginx = try await Nginx(logRequests: true)
        let postgres = try await PostgresServer()
        func config(generation: Int) -> String {
            """
            targets:
              nginx: { url: "\(nginx.baseURL)" }
            scenarios:
              - { name: same_scenario, target: nginx, rate: 5/s, requests: [{ name: get, path: /same }] }
              - { name: changed_scenario, target: nginx, rate: 5/s, requests: [{ name: get, path: /gen\(generation) }] }
            databases:
              - { name: same_database, dsn: "\(postgres.dsn)", probes: { connect: { every: 1s } } }
              - { name: changed_database, dsn: "\(postgres.dsn)", probes: { connect: { every: \(generation)s } } }
            json_values:
              - { name: same_probe, target: nginx, every: 1s, request: { path: /same.json }, values: { v: v } }
              - { name: changed_probe, target: nginx, every: \(generation)s, request: { path: /changed.json }, values: { v: v } }
            """
        }
        let soak = try await RunningSoak(config: config(generation: 1), extraArguments: ["--web.enable-lifecycle"])
        #expect(try await eventually { (try? soak.value("soak_db_probe_success", ["database": "changed_database", "probe": "connect"])) == 1 })
        try soak.writeConfig(config(generation: 2))
        #expect(try soak.post("/-/reload").status == 200)

        // The reload has been applied when it answers: every restart is logged by then.
        let lines = soak.log.split(separator: "\n").filter { $0.contains("restarted with its new config") || $0.contains(" stopped") }
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.contains { $0.contains("scenario restarted") && $0.contains("changed_scenario") })
        #expect(lines.contains { $0.contains("database probes restarted") && $0.contains("changed_database") })
        #expect(lines.contains { $0.contains("probe restarted") && $0.contains("json_values/changed_probe") })
        #expect(!lines.contains { $0.contains("same_") }, "\(lines)")
        // The changed scenario sends its new requests.
        #expect(try await eventually { nginx.requests.contains { $0.uri == "/gen2" } })
    }
}
