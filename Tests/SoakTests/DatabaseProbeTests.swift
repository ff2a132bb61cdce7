import Foundation
import Testing

@Suite("Database probes in the daemon against real PostgreSQL 15: metrics, outage, recovery, results file", .timeLimit(.minutes(2)))
struct DatabaseProbeTests {
    static let probes = ["connect", "query", "activity", "settings"]

    @Test func probesReportTheServerAndRecoverAfterAnOutageThatTheHoldNoticesAtOnce() async throws {
        let postgres = try await PostgresServer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-db-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let resultsPath = "\(directory)/results.jsonl"
        let soak = try await RunningSoak(config: """
            results_file: \(resultsPath)
            databases:
              - name: direct
                dsn: "\(postgres.dsn) password=hunter2-not-needed"
                connect_timeout: 2s
                probes:
                  connect: { every: 250ms }
                  query: { every: 250ms, name: select_one }
                  activity: { every: 250ms }
                  settings: { every: 250ms }
                holds:
                  - { test: idle, hold: 1m }
            """)
        @Sendable func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { try? soak.value(name, labels) }
        @Sendable func allProbes(succeeding: Double) -> Bool {
            Self.probes.allSatisfy { value("soak_db_probe_success", ["database": "direct", "probe": $0]) == succeeding }
        }

        #expect(try await eventually { allProbes(succeeding: 1) && value("soak_db_hold_alive", ["test": "idle"]) == 1 })
        #expect(try await eventually { value("soak_db_server_connections", ["state": "idle", "client": "soak"]) ?? 0 >= 2 })
        #expect(value("soak_db_server_connections_max", ["database": "direct"]) == 100)
        #expect(value("soak_db_setting_seconds", ["name": "idle_session_timeout"]) == 0)
        #expect(value("soak_db_setting_seconds", ["name": "statement_timeout"]) == 0)
        #expect(try soak.get("/metrics").text.contains(#"soak_db_server_info{database="direct",server_version="15."#))
        #expect(value("soak_db_connect_duration_seconds_count") ?? 0 >= 1)
        #expect(value("soak_db_query_duration_seconds_count", ["query": "select_one"]) ?? 0 >= 1)
        // query, activity and settings keep a connection each; the hold holds one.
        #expect(value("soak_db_connections_open", ["database": "direct"]) ?? 0 >= 4)

        let promtool = try Executables.required("promtool", package: "prometheus")
        let check = try Command.run(promtool, ["check", "metrics"], stdin: try soak.get("/metrics").body)
        #expect(check.status == 0, "promtool check metrics: \(check.stdout)\(check.stderr)")

        let stopping = Date()
        postgres.stop()
        #expect(try await eventually { value("soak_db_hold_disconnects_total", ["test": "idle", "reason": "admin_shutdown"]) == 1 })
        #expect(try await eventually { allProbes(succeeding: 0) })
        for probe in Self.probes {
            #expect(value("soak_db_probe_errors_total", ["probe": probe]) ?? 0 >= 1, "\(probe) counted no error")
        }
        #expect(value("soak_db_hold_runs_total", ["test": "idle", "result": "failed_to_start"]) ?? 0 >= 1)

        try await postgres.start()
        #expect(try await eventually(timeout: .seconds(15)) { allProbes(succeeding: 1) && value("soak_db_hold_alive", ["test": "idle"]) == 1 })

        soak.signal(SIGTERM)
        #expect(stopProcess(soak.process, after: .seconds(10)) == 0)
        #expect(!soak.log.contains("hunter2"), "the password appeared in the log")

        // One line per finished run: the death, the failed starts, and the run stopped by SIGTERM.
        let lines = try String(contentsOfFile: resultsPath, encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let keys: Set = [
            "kind", "test", "database", "result", "backend_pid", "backend_pid_end", "started_at", "ended_at", "lifetime_seconds", "alive", "reason",
            "sqlstate", "message", "iterations", "notifications", "session_kept",
        ]
        for record in records { #expect(Set(record.keys) == keys) }
        let results = records.compactMap { $0["result"] as? String }
        #expect(results.first == "died")
        #expect(records.first?["sqlstate"] as? String == "57P01")
        // The death is dated when soak's connection thread saw it: within a second of the shutdown.
        let died = try #require((records.first?["ended_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        #expect(died.timeIntervalSince(stopping) > 0 && died.timeIntervalSince(stopping) < 1, "died \(died.timeIntervalSince(stopping)) s after the stop")
        #expect(results.dropFirst().dropLast().allSatisfy { $0 == "failed_to_start" })
        #expect(results.count >= 3)
        #expect(results.last == "interrupted")
    }

    @Test func aReloadRestartsOnlyTheDatabaseEntriesThatChanged() async throws {
        let postgres = try await PostgresServer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-db-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let resultsPath = "\(directory)/results.jsonl"
        func config(proxyHold: String) -> String {
            """
            results_file: \(resultsPath)
            databases:
              - { name: direct, dsn: "\(postgres.dsn)", probes: {}, holds: [{ test: idle, hold: 1m }] }
              - { name: proxy, dsn: "\(postgres.dsn)", probes: {}, holds: [{ test: idle, hold: \(proxyHold) }] }
            """
        }
        let soak = try await RunningSoak(config: config(proxyHold: "1m"), extraArguments: ["--web.enable-lifecycle"])
        @Sendable func alive(_ database: String) -> Bool { (try? soak.value("soak_db_hold_alive", ["database": database])) == 1 }
        #expect(try await eventually { alive("direct") && alive("proxy") })
        let directPID = try postgres.backendPID(application: "soak/direct/idle")

        try soak.writeConfig(config(proxyHold: "2m"))
        #expect(try soak.post("/-/reload").status == 200)
        #expect(try await eventually { alive("proxy") && ((try? String(contentsOfFile: resultsPath, encoding: .utf8)) ?? "").contains("interrupted") })

        // The proxy entry changed: its hold was interrupted and started again. The direct entry did not:
        // the same backend still holds, and it wrote nothing.
        let lines = try String(contentsOfFile: resultsPath, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(#""database":"proxy""#) == true && lines.first?.contains(#""result":"interrupted""#) == true)
        #expect(try postgres.backendPID(application: "soak/direct/idle") == directPID)
        #expect(alive("direct"))
    }
}

extension PostgresServer {
    /// The PID of the one session with `application`.
    func backendPID(application: String) throws -> String {
        let output = try Command.run(
            "/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "soak", "-d", "postgres", "-Atc",
                              "SELECT pid FROM pg_stat_activity WHERE application_name = '\(application)'"])
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
