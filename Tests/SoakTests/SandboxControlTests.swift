import Foundation
import SoakConfig
import Testing

@Suite("soak-sandbox's run-time faults, Alertmanager webhook and Pulp-shaped metrics, on a real PostgreSQL 15", .timeLimit(.minutes(2)))
struct SandboxControlTests {
    @Test func faultsAreAuthenticatedValidatedAppliedToTheWorkEndpointAndCleared() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--latency", "1ms"])

        #expect(try HTTP.request("\(sandbox.baseURL)/sandbox/faults").status == 401)
        let cleared = #"{"added_latency":"0s","error_rate":0,"workers_stopped":false}"#
        #expect(try sandbox.request("/sandbox/faults").text == cleared)

        // Every problem of a body by key, and nothing changes.
        let bad = try sandbox.request("/sandbox/faults", method: "POST", json: #"{"added_latency": "fast", "error_rate": 2, "colour": "red"}"#)
        #expect(bad.status == 400)
        #expect(bad.text == """
            {"added_latency":["Expected a duration or LOW..HIGH, e.g. \\"2s\\" or \\"1s..3s\\"; write a number and a unit (us, ms, s, m, h, d), \
            largest unit first, e.g. 500us, 0.5ms, 30s or 1h30m."],"colour":["Unknown fault; the faults are added_latency, error_rate, workers_stopped."],\
            "error_rate":["Expected a share between 0 and 1, as \\"50%\\" or 0.5."]}
            """)
        #expect(try sandbox.request("/sandbox/faults", method: "POST", json: "[1]").status == 400)
        #expect(try sandbox.request("/sandbox/faults").text == cleared)

        func timedWork() throws -> (status: Int, seconds: Double) {
            let started = ContinuousClock.now
            let status = try sandbox.request("/sandbox/work").status
            return (status, DurationSyntax.seconds(ContinuousClock.now - started))
        }
        try sandbox.setFaults(#"{"added_latency": "400ms", "error_rate": "100%"}"#)
        #expect(try sandbox.request("/sandbox/faults").text == #"{"added_latency":"400ms","error_rate":1,"workers_stopped":false}"#)
        let failing = try timedWork()
        #expect(failing.status == 500 && failing.seconds >= 0.4)
        // Setting one fault keeps the others.
        try sandbox.setFaults(#"{"error_rate": 0}"#)
        let slow = try timedWork()
        #expect(slow.status == 200 && slow.seconds >= 0.4)
        try sandbox.setFaults(nil)
        #expect(try sandbox.request("/sandbox/faults").text == cleared)
        #expect(try timedWork().status == 200)
    }

    @Test func stoppedWorkersGoOfflineTakeNoTaskAndTheTaskTheyRanFailsWhenTheyStartAgain() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--workers", "1", "--worker-ttl", "1s"])
        @Sendable func onlineWorkers() throws -> Int {
            let status = try JSONSerialization.jsonObject(with: sandbox.request("/pulp/api/v3/status/").body) as? [String: Any]
            return (status?["online_workers"] as? [Any])?.count ?? -1
        }
        @Sendable func states() throws -> [String] {
            try postgres.rows("SELECT state FROM sandbox_task ORDER BY pulp_created", database: sandbox.database)
        }
        #expect(try await eventually { try onlineWorkers() == 1 })
        #expect(try sandbox.request("/pulp/api/v3/sandbox/tasks/", method: "POST", json: #"{"duration_seconds": 60}"#).status == 202)
        #expect(try await eventually { try states() == ["running"] })

        try sandbox.setFaults(#"{"workers_stopped": true}"#)
        #expect(try await eventually { try onlineWorkers() == 0 })
        #expect(try sandbox.request("/pulp/api/v3/sandbox/tasks/", method: "POST", json: #"{"duration_seconds": 0}"#).status == 202)
        try await Task.sleep(for: .seconds(2))
        #expect(try states() == ["running", "waiting"], "a stopped pool takes no task")

        try sandbox.setFaults(nil)
        #expect(try await eventually(timeout: .seconds(20)) { try states() == ["failed", "completed"] })
        #expect(try postgres.rows("SELECT error->>'description' FROM sandbox_task WHERE state = 'failed'", database: sandbox.database)
            == ["the worker running this task went away"])
        #expect(try await eventually { try onlineWorkers() == 1 })
    }

    @Test func webhookNotificationsAreKeptInOrderAndPulpsTaskQueueMetricsAreServed() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--workers", "1", "--worker-ttl", "1s"])

        let notification = #"{"receiver":"sandbox","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"SoakTest"}}]}"#
        #expect(try HTTP.request("\(sandbox.baseURL)/sandbox/alerts", method: "POST", body: Data(notification.utf8)).status == 401)
        #expect(try sandbox.request("/sandbox/alerts", method: "POST", json: notification).status == 200)
        #expect(try sandbox.request("/sandbox/alerts", method: "POST", json: #"{"receiver":"sandbox","status":"resolved","alerts":[]}"#).status == 200)
        #expect(try sandbox.request("/sandbox/alerts", method: "POST", json: #"{"text":"not a webhook"}"#).status == 400)
        let inbox = try JSONSerialization.jsonObject(with: sandbox.request("/sandbox/alerts").body) as? [String: Any]
        let received = inbox?["notifications"] as? [[String: Any]] ?? []
        #expect(received.map { $0["status"] as? String } == ["firing", "resolved"])
        #expect(received.allSatisfy { ($0["received_at"] as? String)?.hasSuffix("Z") == true })
        #expect(((received.first?["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String])?["alertname"] == "SoakTest")
        #expect(sandbox.output.contains("alerts=SoakTest firing receiver=sandbox"))

        // One worker busy with a long task: the next task is unblocked (at the worker's next heartbeat) and
        // waits. Five seconds on, Pulp counts it in its unblocked queue and in its waiting tasks (two tasks, one worker).
        #expect(try sandbox.request("/pulp/api/v3/sandbox/tasks/", method: "POST", json: #"{"duration_seconds": 60}"#).status == 202)
        #expect(try sandbox.request("/pulp/api/v3/sandbox/tasks/", method: "POST", json: #"{"duration_seconds": 0}"#).status == 202)
        #expect(try await eventually(timeout: .seconds(20)) {
            let text = try sandbox.request("/metrics").text
            return MetricsText.value(text, "pulp_tasks_unblocked_queue", [:]) == 1 && MetricsText.value(text, "pulp_waiting_tasks", [:]) == 1
                && MetricsText.value(text, "pulp_tasks_longest_unblocked_time_seconds", [:]) ?? 0 >= 5
        })
        #expect(try sandbox.request("/pulp/api/v3/status/").status == 200)
        let metrics = try sandbox.request("/metrics")
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        for family in ["pulp_tasks_unblocked_queue", "pulp_tasks_longest_unblocked_time_seconds", "pulp_waiting_tasks", "pulp_api_request_duration_milliseconds"] {
            #expect(metrics.text.contains("# HELP \(family) "), "\(family) has no HELP")
        }
        let status = ["http_method": "GET", "http_status_code": "2xx", "http_target": "/pulp/api/v3/status"]
        #expect(MetricsText.value(metrics.text, "pulp_api_request_duration_milliseconds_count", status) ?? 0 >= 1, "\(metrics.text)")
        // Only Pulp's API is Pulp's: the sandbox's own routes are not counted.
        #expect(!metrics.text.contains("http_target=\"/sandbox/"))
        #expect(!metrics.text.contains("http_target=\"/metrics\""))
    }
}
