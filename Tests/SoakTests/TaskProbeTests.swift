import Foundation
@testable import Soak
import Testing

/// Results-file lines of one kind, as JSON objects.
func resultLines(_ path: String, kind: String) -> [[String: Any]] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        .filter { $0["kind"] as? String == kind }
}

@Suite("Ingestion, task and JSON value probes against soak-sandbox on a real PostgreSQL 15", .timeLimit(.minutes(3)))
struct TaskProbeTests {
    @Test func ingestionCountsWhatTheServerReallyInsertedAndEachFailureByReason() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--ingestion-window", "1s", "--dispatch-time", "5ms"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-ingest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let resultsPath = "\(directory)/results.jsonl"
        let soak = try await RunningSoak(config: """
            results_file: \(resultsPath)
            \(sandbox.target)
            ingestion:
              - { name: ok, target: sandbox, every: 2s, concurrency: 2 }
              - { name: server_error, target: sandbox, every: 1s, request: { query: { sandbox_status: "500" } } }
              - { name: malformed, target: sandbox, every: 1s, request: { query: { sandbox_body: malformed } } }
              - { name: slow, target: sandbox, every: 1s, request: { query: { sandbox_delay: 3s }, timeout: 500ms } }
              - { name: wrong_field, target: sandbox, every: 2s, count_path: tasks_dispatched }
            """)
        @Sendable func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { try? soak.value(name, labels) }

        #expect(try await eventually(timeout: .seconds(20)) { value("soak_ingested_tasks_per_request_count", ["probe": "ok"]) ?? 0 >= 4 })
        #expect(try await eventually { value("soak_ingest_errors_total", ["probe": "server_error", "reason": "status"]) ?? 0 >= 1 })
        #expect(try await eventually { value("soak_ingest_errors_total", ["probe": "malformed", "reason": "parse"]) ?? 0 >= 1 })
        #expect(try await eventually { value("soak_ingest_errors_total", ["probe": "slow", "reason": "timeout"]) ?? 0 >= 1 })
        #expect(try await eventually { value("soak_ingest_errors_total", ["probe": "wrong_field", "reason": "parse"]) ?? 0 >= 1 })
        // A failed call counts as 0 tasks.
        #expect(value("soak_ingested_tasks_per_request_sum", ["probe": "server_error"]) == 0)
        #expect(value("soak_ingested_tasks_per_request_bucket", ["probe": "server_error", "le": "0.0"]) ?? 0 >= 1)
        soak.signal(SIGTERM)
        stopProcess(soak.process, after: .seconds(10))

        // Every task soak counted is a row the server inserted: the sandbox's endpoint only answers
        // after its INSERTs, and every call (the failed ones too) dispatched a whole window.
        let rounds = resultLines(resultsPath, kind: "ingestion").filter { $0["probe"] as? String == "ok" }
        #expect(rounds.count >= 2)
        let counted = rounds.compactMap { $0["tasks"] as? Int }.reduce(0, +)
        #expect(counted > 0)
        let inserted = try #require(Int(try postgres.rows("SELECT count(*) FROM sandbox_task WHERE kind = 'noop'", database: sandbox.database).first ?? ""))
        #expect(inserted >= counted, "soak counted \(counted) tasks, the table holds \(inserted)")
        for round in rounds {
            let calls = round["calls"] as? [[String: Any]] ?? []
            #expect(calls.count == 2)
            let tasks = round["tasks"] as? Int ?? 0
            let seconds = round["seconds"] as? Double ?? 0
            // The rate is the round's tasks over its wall time: two 1 s windows side by side, not one after the other.
            #expect(seconds >= 1 && seconds < 1.9, "a round took \(seconds) s")
            #expect(abs((round["tasks_per_second"] as? Double ?? 0) - Double(tasks) / seconds) < 0.001)
        }
        // The failing calls are logged once, when they start failing (not once per call).
        #expect(soak.log.contains("msg=\"probe failing\""))
    }

    @Test func tasksAreFollowedToTheirFinalStateWithPhasesFailuresAndTimeouts() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--workers", "3"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-tasks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let resultsPath = "\(directory)/results.jsonl"
        let soak = try await RunningSoak(config: """
            results_file: \(resultsPath)
            \(sandbox.target)
            tasks:
              - name: quick
                target: sandbox
                every: 1s
                dispatch: { path: /pulp/api/v3/sandbox/tasks/, body: { duration_seconds: 0.3 } }
                poll_interval: 100ms
                timeout: 10s
              - name: failing
                target: sandbox
                every: 1s
                dispatch: { path: /pulp/api/v3/sandbox/tasks/, body: { fail: true } }
                poll_interval: 100ms
                timeout: 10s
              - name: stuck
                target: sandbox
                every: 1h
                dispatch: { path: /pulp/api/v3/sandbox/tasks/, body: { blocked: true } }
                poll_interval: 200ms
                timeout: 2s
              - name: rds
                target: sandbox
                every: 1h
                dispatch:
                  path: /api/pulp/rds-connection-tests/
                  body: { tests: [idle, session_variable], run_sequentially: false, duration_minutes: 0.02 }
                  expect_status: [202]
                poll_interval: 200ms
                timeout: 30s
              - name: refused
                target: sandbox
                every: 1s
                dispatch: { path: /pulp/api/v3/orphans/cleanup/, query: { sandbox_status: "503" } }
              - name: login_page
                target: sandbox
                every: 1s
                dispatch: { path: /pulp/api/v3/orphans/cleanup/, query: { sandbox_body: html } }
              - name: no_href
                target: sandbox
                every: 1s
                dispatch: { method: GET, path: /sandbox/work }
            """)
        @Sendable func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { try? soak.value(name, labels) }

        #expect(try await eventually(timeout: .seconds(20)) { value("soak_tasks_finished_total", ["probe": "quick", "state": "completed"]) ?? 0 >= 2 })
        #expect(try await eventually { value("soak_tasks_finished_total", ["probe": "failing", "state": "failed"]) ?? 0 >= 1 })
        #expect(try await eventually { value("soak_tasks_finished_total", ["probe": "rds", "state": "completed"]) == 2 })
        #expect(try await eventually { value("soak_task_follow_timeouts_total", ["probe": "stuck"]) == 1 })
        #expect(value("soak_tasks_in_progress", ["probe": "stuck"]) == 0)
        #expect(value("soak_tasks_dispatched_total", ["probe": "rds"]) == 2)
        #expect(value("soak_task_dispatch_errors_total", ["probe": "refused", "reason": "status"]) ?? 0 >= 1)
        #expect(value("soak_task_dispatch_errors_total", ["probe": "login_page", "reason": "parse"]) ?? 0 >= 1)
        #expect(value("soak_task_dispatch_errors_total", ["probe": "no_href", "reason": "parse"]) ?? 0 >= 1)
        #expect(value("soak_tasks_finished_total", ["probe": "quick", "state": "failed"]) == 0)
        for phase in ["blocked", "queue", "run", "total"] {
            #expect(value("soak_task_phase_duration_seconds_count", ["probe": "quick", "phase": phase]) ?? 0 >= 2, "phase \(phase)")
        }
        // Sum and count from one scrape: a task finishing between two scrapes would skew the mean.
        let scrape = try soak.get("/metrics").text
        let runSum = MetricsText.value(scrape, "soak_task_phase_duration_seconds_sum", ["probe": "quick", "phase": "run"]) ?? 0
        let runCount = MetricsText.value(scrape, "soak_task_phase_duration_seconds_count", ["probe": "quick", "phase": "run"]) ?? 1
        // Timestamps carry microseconds, so a 0.3 s task's run phase is 0.3 s to within two of them.
        #expect(runSum / runCount >= 0.299_998 && runSum / runCount < 0.6, "a 0.3 s task ran \(runSum / runCount) s on average")
        let promtool = try Executables.required("promtool", package: "prometheus")
        let check = try Command.run(promtool, ["check", "metrics"], stdin: try soak.get("/metrics").body)
        #expect(check.status == 0, "promtool check metrics: \(check.stdout)\(check.stderr)")
        soak.signal(SIGTERM)
        stopProcess(soak.process, after: .seconds(10))

        let tasks = resultLines(resultsPath, kind: "task")
        let quick = try #require(tasks.first { $0["probe"] as? String == "quick" && $0["outcome"] as? String == "finished" })
        // The phases soak exported are the server's timestamps, to the microsecond.
        let id = try #require((quick["href"] as? String)?.split(separator: "/").last.map(String.init))
        let fromDatabase = try postgres.rows(
            "SELECT extract(epoch FROM finished_at - pulp_created) FROM sandbox_task WHERE id = '\(id)'", database: sandbox.database)
        let phases = try #require(quick["phases"] as? [String: Double])
        #expect(abs((phases["total"] ?? 0) - (Double(fromDatabase.first ?? "") ?? -1)) < 0.000_002)
        #expect((quick["started_at"] as? String)?.hasSuffix("Z") == true)

        let failed = try #require(tasks.first { $0["probe"] as? String == "failing" && $0["state"] as? String == "failed" })
        #expect(failed["error"] as? String == "sandbox: this task was set to fail")
        let stuck = try #require(tasks.first { $0["probe"] as? String == "stuck" })
        #expect(stuck["outcome"] as? String == "follow_timeout" && stuck["state"] as? String == "waiting")
        #expect(stuck["unblocked_at"] == nil && stuck["phases"] as? [String: Double] == [:])
        let rds = tasks.filter { $0["probe"] as? String == "rds" }
        #expect(rds.count == 2)
        for test in rds {
            let result = test["result"] as? [String: Any]
            #expect(result?["connection_alive"] as? Bool == true, "\(test)")
            #expect(result?["backend_pid"] as? Int != nil)
        }
        #expect(Set(rds.compactMap { ($0["result"] as? [String: Any])?["test_name"] as? String }) == ["idle", "session_variable"])
    }

    /// The remote connection tests' outcome as data: a test whose connection is killed mid-hold reports
    /// `connection_alive: false`, which becomes `soak_task_result_value` 0, a count under value="false"
    /// (what SoakRemoteConnectionTestFailed fires on, tested with promtool), and a failed threshold. The
    /// timed run is ended by SIGTERM once both tests have finished, so no step races the run's clock.
    @Test func aConnectionTestThatLosesItsConnectionBecomesAMetricAndFailsItsThreshold() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--workers", "3"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-rds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let soak = try await RunningSoak(
            config: """
                results_file: \(directory)/results.jsonl
                \(sandbox.target)
                tasks:
                  - name: rds
                    target: sandbox
                    every: 1h
                    dispatch:
                      path: /api/pulp/rds-connection-tests/
                      body: { tests: [idle, listen], run_sequentially: false, duration_minutes: "0.25" }
                    task_hrefs: "tasks[].task_href"
                    poll_interval: 200ms
                    timeout: 1m
                    result_values: { connection_alive: result.connection_alive, held_seconds: result.duration_seconds, state: state }
                    thresholds: ["connection_alive == true", "failed_ratio < 1%"]
                """,
            extraArguments: ["--duration", "5m", "--summary-file", "\(directory)/summary.json"])
        @Sendable func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { try? soak.value(name, labels) }
        // Both counters exist from the start (the threshold compares with true), the gauge is NaN until a test finishes.
        #expect(value("soak_task_results_total", ["probe": "rds", "name": "connection_alive", "value": "false"]) == 0)
        #expect(value("soak_task_result_value", ["probe": "rds", "name": "connection_alive"])?.isNaN == true)
        #expect(value("soak_objective_task_result_value", ["probe": "rds", "name": "connection_alive"]) == 1)
        #expect(value("soak_objective_task_failed_ratio", ["probe": "rds"]) == 0.01)

        // Both tests hold their connection for 15 s; end one of them from the server side.
        let sessions = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'soak/sandbox/rds-test'"
        #expect(try await eventually(timeout: .seconds(60)) { try postgres.rows(sessions, database: sandbox.database) == ["2"] })
        _ = try postgres.rows(
            "SELECT pg_terminate_backend(min(pid)) FROM pg_stat_activity WHERE application_name = 'soak/sandbox/rds-test'", database: sandbox.database)
        #expect(try await eventually(timeout: .seconds(60)) {
            value("soak_task_results_total", ["probe": "rds", "name": "connection_alive", "value": "false"]) == 1
                && value("soak_task_results_total", ["probe": "rds", "name": "connection_alive", "value": "true"]) == 1
        }, "log:\n\(soak.log)")
        #expect([0, 1].contains(value("soak_task_result_value", ["probe": "rds", "name": "connection_alive"])))
        #expect(value("soak_task_result_value", ["probe": "rds", "name": "held_seconds"]) ?? 0 > 0)
        // A string is no number: NaN, never a stale value.
        #expect(value("soak_task_result_value", ["probe": "rds", "name": "state"])?.isNaN == true)
        let promtool = try Executables.required("promtool", package: "prometheus")
        let check = try Command.run(promtool, ["check", "metrics"], stdin: try soak.get("/metrics").body)
        #expect(check.status == 0, "promtool check metrics: \(check.stdout)\(check.stderr)")

        // Ended early, the timed run is judged on what it saw: it fails on the threshold, saying how many tests lost their connection.
        soak.signal(SIGTERM)
        let status = try await soak.waitForExit(timeout: .seconds(30))
        #expect(status == 1, "log:\n\(soak.log)")
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/summary.json")))
        #expect(!summary.completed)
        let check2 = try #require(summary.checks.first { $0.name == "tasks/rds connection_alive == true" })
        #expect(check2.verdict == .fail)
        #expect(check2.detail == "tasks/rds connection_alive was true in 1 of 2 finished tasks (false 1); every one must be true")
        #expect(summary.checks.first { $0.name == "tasks/rds failed_ratio < 1.0%" }?.verdict == .pass)
        let figures = try #require(summary.tasks.first)
        #expect(figures.dispatched == 2 && figures.finished == ["completed": 2] && figures.values["connection_alive"] == ["true": 1, "false": 1])
        let lines = resultLines("\(directory)/results.jsonl", kind: "task")
        #expect(Set(lines.compactMap { ($0["values"] as? [String: Any])?["connection_alive"] as? Bool }) == [true, false], "\(lines)")
    }

    @Test func jsonValuesReadPulpStatusAndFailVisiblyWhenTheAnswerOrTheDatabaseGoesBad() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--workers", "3", "--task-duration", "8s", "--worker-ttl", "2s"])
        let soak = try await RunningSoak(config: """
            \(sandbox.target)
              unauthenticated: { url: \(sandbox.baseURL) }
            json_values:
              - name: status
                target: sandbox
                every: 250ms
                request: { path: /pulp/api/v3/status/ }
                values:
                  online_workers: online_workers.length()
                  online_api_apps: online_api_apps.length()
                  online_content_apps: online_content_apps.length()
                  database_connected: database_connection.connected
                  redis_connected: redis_connection.connected
              - { name: malformed, target: sandbox, every: 250ms, request: { path: /pulp/api/v3/status/, query: { sandbox_body: malformed } }, values: { workers: online_workers.length() } }
              - { name: missing, target: sandbox, every: 250ms, request: { path: /pulp/api/v3/status/ }, values: { workers: online_workers.length(), storage_free: storage.free } }
              - { name: slow, target: sandbox, every: 1s, request: { path: /pulp/api/v3/status/, query: { sandbox_delay: 2s }, timeout: 300ms }, values: { workers: online_workers.length() } }
              - { name: no_auth, target: unauthenticated, every: 250ms, request: { path: /pulp/api/v3/status/ }, values: { workers: online_workers.length() } }
            """)
        @Sendable func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { try? soak.value(name, labels) }

        #expect(try await eventually(timeout: .seconds(15)) { value("soak_json_value", ["probe": "status", "name": "online_workers"]) == 3 })
        #expect(value("soak_json_probe_success", ["probe": "status"]) == 1)
        #expect(value("soak_json_value", ["probe": "status", "name": "database_connected"]) == 1)
        #expect(value("soak_json_value", ["probe": "status", "name": "online_api_apps"]) == 1)
        #expect(value("soak_json_value", ["probe": "status", "name": "online_content_apps"]) == 0)
        #expect(value("soak_json_value", ["probe": "status", "name": "redis_connected"]) == 0)
        #expect(try await eventually { value("soak_json_probe_errors_total", ["probe": "malformed", "reason": "parse"]) ?? 0 >= 1 })
        #expect(value("soak_json_probe_success", ["probe": "malformed"]) == 0)
        #expect(value("soak_json_value", ["probe": "malformed", "name": "workers"])?.isNaN == true)
        #expect(try await eventually { value("soak_json_probe_errors_total", ["probe": "missing", "reason": "missing"]) ?? 0 >= 1 })
        // The values that are there are still read; the missing one is NaN, never a stale number.
        #expect(value("soak_json_value", ["probe": "missing", "name": "workers"]) == 3)
        #expect(value("soak_json_value", ["probe": "missing", "name": "storage_free"])?.isNaN == true)
        #expect(try await eventually { value("soak_json_probe_errors_total", ["probe": "slow", "reason": "timeout"]) ?? 0 >= 1 })
        #expect(try await eventually { value("soak_json_probe_errors_total", ["probe": "no_auth", "reason": "status"]) ?? 0 >= 1 })

        // Workers busy with long tasks are still online: they heartbeat while they run (as Pulp's do),
        // so well past the 2 s TTL all three are still listed.
        for _ in 0..<3 {
            #expect(try sandbox.request("/pulp/api/v3/orphans/cleanup/", method: "POST").status == 202)
        }
        let busySince = ContinuousClock.now
        #expect(try await eventually { try postgres.rows("SELECT count(*) FROM sandbox_task WHERE state = 'running'", database: sandbox.database) == ["3"] })
        try await Task.sleep(until: busySince + .seconds(5), clock: .continuous)
        #expect(value("soak_json_value", ["probe": "status", "name": "online_workers"]) == 3)

        // A dead database: Pulp's status still answers, saying so; the workers' heartbeats stop.
        postgres.stop()
        #expect(try await eventually { value("soak_json_value", ["probe": "status", "name": "database_connected"]) == 0 })
        #expect(value("soak_json_value", ["probe": "status", "name": "online_workers"]) == 0)
        try await postgres.start()
        #expect(try await eventually(timeout: .seconds(40)) { value("soak_json_value", ["probe": "status", "name": "online_workers"]) == 3 })
        #expect(soak.process.isRunning)
    }

    @Test func reloadKeepsFollowingUnchangedProbesAndStoppingWritesEveryFollowedTaskDown() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--workers", "4"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-task-reload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let resultsPath = "\(directory)/results.jsonl"
        func config(_ extra: String) -> String {
            """
            results_file: \(resultsPath)
            \(sandbox.target)
            tasks:
              - name: kept
                target: sandbox
                every: 1h
                dispatch: { path: /pulp/api/v3/sandbox/tasks/, body: { duration_seconds: 3 } }
                poll_interval: 200ms
                timeout: 1m
            \(extra)
            """
        }
        let soak = try await RunningSoak(config: config("""
              - name: dropped
                target: sandbox
                every: 1h
                dispatch: { path: /pulp/api/v3/sandbox/tasks/, body: { duration_seconds: 60 } }
                poll_interval: 200ms
                timeout: 2m
            json_values:
              - { name: gone, target: sandbox, every: 250ms, request: { path: /pulp/api/v3/status/ }, values: { workers: online_workers.length() } }
            """))
        @Sendable func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { try? soak.value(name, labels) }
        #expect(try await eventually { value("soak_tasks_in_progress", ["probe": "kept"]) == 1 && value("soak_tasks_in_progress", ["probe": "dropped"]) == 1 })
        #expect(try await eventually { value("soak_json_value", ["probe": "gone", "name": "workers"]) == 4 })

        // A reload that removes one probe: its task is written down as interrupted; the other is still followed.
        try soak.writeConfig(config(""))
        soak.signal(SIGHUP)
        #expect(try await eventually { resultLines(resultsPath, kind: "task").contains { $0["probe"] as? String == "dropped" } })
        let dropped = try #require(resultLines(resultsPath, kind: "task").first { $0["probe"] as? String == "dropped" })
        // Its last poll saw it waiting or running, or no poll came yet: either way not final.
        #expect(dropped["outcome"] as? String == "interrupted" && [nil, "waiting", "running"].contains(dropped["state"] as? String))
        #expect(try await eventually { value("soak_tasks_finished_total", ["probe": "kept", "state": "completed"]) == 1 })
        #expect(value("soak_tasks_dispatched_total", ["probe": "kept"]) == 1, "the unchanged probe was restarted and dispatched again")
        // A removed JSON value probe takes its series with it rather than leaving a stale number.
        #expect(!(try soak.get("/metrics").text.contains(#"probe="gone""#)))

        // A dispatch that follows a long task, and an ingestion call the server answers a minute later;
        // then SIGTERM: the task still gets its line, and the call in flight does not hold soak up.
        try soak.writeConfig(config("""
              - name: at_shutdown
                target: sandbox
                every: 1h
                dispatch: { path: /pulp/api/v3/sandbox/tasks/, body: { duration_seconds: 60 } }
                poll_interval: 200ms
                timeout: 2m
            ingestion:
              - { name: slow, target: sandbox, request: { query: { sandbox_delay: 60s }, timeout: 90s } }
            """))
        soak.signal(SIGHUP)
        #expect(try await eventually { value("soak_tasks_in_progress", ["probe": "at_shutdown"]) == 1 })
        let stopping = ContinuousClock.now
        soak.signal(SIGTERM)
        let exitStatus = stopProcess(soak.process, after: .seconds(15))
        // The default grace period is 3 s: requests in flight get that long, then the client closes.
        #expect(ContinuousClock.now - stopping < .seconds(6))
        #expect(exitStatus == 0)
        // The call cut short by the shutdown is no result: no ingestion round was written down.
        #expect(resultLines(resultsPath, kind: "ingestion").isEmpty)
        let lines = resultLines(resultsPath, kind: "task")
        #expect(lines.filter { $0["probe"] as? String == "at_shutdown" }.map { $0["outcome"] as? String } == ["interrupted"])
        #expect(lines.filter { $0["probe"] as? String == "kept" }.map { $0["outcome"] as? String } == ["finished"])
    }
}
