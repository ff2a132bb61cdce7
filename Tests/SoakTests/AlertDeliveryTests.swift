import Foundation
import SoakConfig
import Testing
import Yams

/// An alert as Alertmanager's webhook delivered it to soak-sandbox.
struct DeliveredAlert: Sendable {
    let status: String
    let labels: [String: String]
    let annotations: [String: String]
    let receivedAt: Date

    /// Every alert of every notification the sandbox received, oldest first.
    static func all(in sandbox: Sandbox) throws -> [DeliveredAlert] {
        let inbox = try JSONSerialization.jsonObject(with: sandbox.request("/sandbox/alerts").body) as? [String: Any]
        let stamp = ISO8601DateFormatter()
        stamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return (inbox?["notifications"] as? [[String: Any]] ?? []).flatMap { notification in
            let receivedAt = (notification["received_at"] as? String).flatMap(stamp.date(from:)) ?? .distantPast
            return (notification["alerts"] as? [[String: Any]] ?? []).map { alert in
                DeliveredAlert(
                    status: alert["status"] as? String ?? "", labels: alert["labels"] as? [String: String] ?? [:],
                    annotations: alert["annotations"] as? [String: String] ?? [:], receivedAt: receivedAt)
            }
        }
    }
}

/// The last value a polling closure saw (written by one closure at a time).
private final class Seen<Value>: @unchecked Sendable {
    var value: Value?
}

@Suite(
    "Alerts end to end: regressions injected into soak-sandbox travel through soak, a real Prometheus evaluating the shipped rules and a real Alertmanager to a webhook",
    .timeLimit(.minutes(3)))
struct AlertDeliveryTests {
    /// The shipped rules' alerts by name, as soak-rules.yml defines them.
    static func shippedAlerts() throws -> [String: [String: Any]] {
        let text = try String(contentsOfFile: "\(repositoryRoot)/deploy/prometheus/soak-rules.yml", encoding: .utf8)
        let groups = (try Yams.load(yaml: text) as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        var alerts: [String: [String: Any]] = [:]
        for rule in groups.flatMap({ $0["rules"] as? [[String: Any]] ?? [] }) {
            if let name = rule["alert"] as? String { alerts[name] = rule }
        }
        return alerts
    }

    /// Whether `description` is the rule's template with its labels filled in: every `{{ $labels.X }}`
    /// replaced by the label's value and the text around each remaining `{{ }}` (the `$value`) there in order.
    static func rendered(_ template: String, labels: [String: String], as description: String) -> Bool {
        var filled = template
        for (name, value) in labels { filled = filled.replacingOccurrences(of: "{{ $labels.\(name) }}", with: value) }
        var rest = Substring(description)
        for fragment in filled.components(separatedBy: "{{").map({ $0.components(separatedBy: "}}").last ?? "" }) where !fragment.isEmpty {
            guard let found = rest.range(of: fragment) else { return false }
            rest = rest[found.upperBound...]
        }
        return !description.contains("{{")
    }

    @Test func injectedRegressionsFireTheirAlertsAndClearingTheFaultsResolvesThem() async throws {
        let began = ContinuousClock.now
        func elapsed() -> String { String(format: "%.1f s", DurationSyntax.seconds(ContinuousClock.now - began)) }
        let rules = try Self.shippedAlerts()
        let fastRules = try PrometheusRulesTests.fastRules()

        let postgres = try await PostgresServer()
        let bouncer = try await PgBouncer(server: postgres, clientIdleTimeoutSeconds: 3600)
        let sandbox = try await Sandbox(server: postgres, arguments: ["--workers", "2", "--worker-ttl", "3s", "--latency", "2ms..5ms"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-alerts-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let soak = try await RunningSoak(config: """
            results_file: \(directory)/results.jsonl
            http:
              latency_buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
            \(sandbox.target)
            scenarios:
              - name: work
                target: sandbox
                rate: 10/s
                thresholds: ["p95 < 500ms", "error_ratio < 1%"]
                requests: [{ name: work, path: /sandbox/work }]
            json_values:
              - name: status
                target: sandbox
                every: 1s
                request: { path: /pulp/api/v3/status/ }
                values: { online_workers: "online_workers.length()" }
            databases:
              - name: proxy
                dsn: "\(bouncer.dsn)"
                holds: [{ test: idle, hold: 30m }]
            """)
        let alertmanager = try await AlertmanagerServer(
            webhook: "\(sandbox.baseURL)/sandbox/alerts", username: Sandbox.username, password: Sandbox.password)
        let prometheus = try await PrometheusServer(
            jobs: [.init(name: "soak", target: "127.0.0.1:\(soak.port)")], rules: fastRules, alertmanagerPort: alertmanager.port)
        func diagnosis() -> String {
            "Prometheus alerts: \(prometheus.alerts())\nAlertmanager log:\n\(alertmanager.log.suffix(2000))\nsandbox:\n\(sandbox.output.suffix(2000))"
        }

        /// Waits until the webhook received `alertname` in `status` with `labels`, at `after` or later (throws
        /// when it does not within a minute), and checks the delivery carries the shipped rule's severity and annotations.
        func delivered(_ alertname: String, _ status: String, _ labels: [String: String], after: Date) async throws {
            let seen = Seen<DeliveredAlert>()
            let arrived = try await eventually(timeout: .seconds(60)) {
                seen.value = try DeliveredAlert.all(in: sandbox).first { alert in
                    alert.status == status && alert.receivedAt >= after && alert.labels["alertname"] == alertname
                        && labels.allSatisfy { alert.labels[$0.key] == $0.value }
                }
                return seen.value != nil
            }
            guard arrived, let alert = seen.value, let rule = rules[alertname] else {
                throw HTTP.Failure(description: "\(alertname) \(status) \(labels) never arrived\n\(diagnosis())")
            }
            print("alert e2e: \(alertname) \(status) delivered after \(elapsed())")
            let ruleLabels = rule["labels"] as? [String: String] ?? [:]
            let ruleAnnotations = rule["annotations"] as? [String: String] ?? [:]
            #expect(alert.labels["severity"] == ruleLabels["severity"] && alert.labels["job"] == "soak", "\(alert.labels)")
            #expect(alert.annotations["summary"] == ruleAnnotations["summary"], "\(alert.annotations)")
            #expect(alert.annotations["runbook_url"] == ruleAnnotations["runbook_url"], "\(alert.annotations)")
            #expect(
                Self.rendered(ruleAnnotations["description"] ?? "?", labels: alert.labels, as: alert.annotations["description"] ?? ""),
                "\(alertname): \(alert.annotations["description"] ?? "no description")")
        }

        // Before any fault: the rules evaluate on live data, and none of the four alerts is pending or firing
        // (a worker's first heartbeat may come after the status probe's first look: that pending alert clears).
        let watched = "SoakLatencyAboveObjective|SoakErrorRatioAboveObjective|SoakDatabaseHoldDied|SoakOnlineWorkersDropped"
        let warm = try await eventually(timeout: .seconds(60)) {
            try !prometheus.query(#"soak:request_latency_seconds:p95_5m{scenario="work"} < 0.5"#).isEmpty
                && !prometheus.query(#"soak:request_error_ratio:5m{scenario="work"} == 0"#).isEmpty
                && !prometheus.query(#"soak_db_hold_alive{database="proxy"} == 1"#).isEmpty
                && !prometheus.query(#"soak_json_value{name="online_workers"} == 2"#).isEmpty
                && prometheus.query("ALERTS{alertname=~\"\(watched)\"}").isEmpty
        }
        guard warm else {
            throw HTTP.Failure(description: "no healthy start: data missing or alerts before any fault\n\(diagnosis())\nsoak log:\n\(soak.log.suffix(2000))")
        }
        print("alert e2e: healthy after \(elapsed())")

        // Latency far above the 500 ms objective, the worker pool stopped, and the hold's pooler killed.
        let injected = Date()
        bouncer.stop()
        try sandbox.setFaults(#"{"added_latency": "1500ms", "workers_stopped": true}"#)
        try await delivered("SoakDatabaseHoldDied", "firing", ["database": "proxy", "test": "idle", "result": "died"], after: injected)
        try await bouncer.start()
        try await delivered("SoakLatencyAboveObjective", "firing", ["scenario": "work", "request": "work"], after: injected)
        try await delivered("SoakOnlineWorkersDropped", "firing", ["probe": "status", "name": "online_workers"], after: injected)
        // Slow answers are not errors: the error alert has not fired.
        #expect(try DeliveredAlert.all(in: sandbox).allSatisfy { $0.labels["alertname"] != "SoakErrorRatioAboveObjective" })

        // Latency back to normal, half the answers errors: the error alert fires and the latency alert resolves.
        let errorsInjected = Date()
        try sandbox.setFaults(#"{"added_latency": "0s", "error_rate": "50%"}"#)
        try await delivered("SoakErrorRatioAboveObjective", "firing", ["scenario": "work", "request": "work"], after: errorsInjected)
        try await delivered("SoakLatencyAboveObjective", "resolved", ["scenario": "work", "request": "work"], after: errorsInjected)

        // Every fault cleared: the rest resolve (the hold's once its death has left the 30 s window).
        let cleared = Date()
        try sandbox.setFaults(nil)
        try await delivered("SoakErrorRatioAboveObjective", "resolved", ["scenario": "work", "request": "work"], after: cleared)
        try await delivered("SoakOnlineWorkersDropped", "resolved", ["probe": "status"], after: cleared)
        try await delivered("SoakDatabaseHoldDied", "resolved", ["database": "proxy", "test": "idle"], after: injected)
        print("alert e2e: done after \(elapsed())")
    }
}
