import Foundation
import Testing
import Yams

/// Every PromQL expression of the dashboards and the rules, with what a query needs filled in.
struct PromQLInventory: Sendable {
    /// Each dashboard panel query: where it is, and the expression with Grafana's variables replaced.
    let panelQueries: [(place: String, expr: String)]
    let ruleExpressions: [(place: String, expr: String)]
    /// The names the rules record.
    let recordedNames: Set<String>

    /// Grafana's variables as a query sees them with every option selected; `$__rate_interval` as
    /// Grafana computes it for a 1 s scrape interval, with room for a late scrape.
    static func substitute(_ expr: String) -> String {
        expr.replacingOccurrences(of: "$__rate_interval", with: "10s")
            .replacingOccurrences(of: #"job=~"$job""#, with: #"job=~"soak""#)
            .replacingOccurrences(of: #"=~"$instance""#, with: #"=~".+""#)
            .replacingOccurrences(of: #"=~"$scenario""#, with: #"=~".+""#)
            .replacingOccurrences(of: #"=~"$request""#, with: #"=~".+""#)
            .replacingOccurrences(of: #"=~"$database""#, with: #"=~".+""#)
            .replacingOccurrences(of: #"=~"$probe""#, with: #"=~".+""#)
            .replacingOccurrences(of: #"job=~"$pulp_job""#, with: #"job=~"pulp""#)
            .replacingOccurrences(of: #"=~"$pulp_instance""#, with: #"=~".+""#)
    }

    init() throws {
        var panels: [(String, String)] = []
        for file in dashboardFiles {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/dashboards/\(file)"))
            let dashboard = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
                let title = panel["title"] as? String ?? ""
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    panels.append(("\(file) \"\(title)\" \(target["refId"] as? String ?? "")", Self.substitute(target["expr"] as? String ?? "")))
                }
            }
        }
        panelQueries = panels
        let rules = try Yams.load(yaml: String(contentsOfFile: "\(repositoryRoot)/deploy/prometheus/soak-rules.yml", encoding: .utf8)) as? [String: Any]
        var expressions: [(String, String)] = []
        var recorded: Set<String> = []
        for group in rules?["groups"] as? [[String: Any]] ?? [] {
            for rule in group["rules"] as? [[String: Any]] ?? [] {
                let name = (rule["alert"] ?? rule["record"]) as? String ?? ""
                if let record = rule["record"] as? String { recorded.insert(record) }
                expressions.append(("rule \(name)", rule["expr"] as? String ?? ""))
            }
        }
        ruleExpressions = expressions
        recordedNames = recorded
    }

    /// The metric names an expression selects.
    static func metricNames(in expr: String) -> Set<String> {
        Set(PromQLSelectors.selectors(in: expr).compactMap(\.name))
    }
}

@Suite("Dashboards and rules against a live daemon running the demo workload, scraped by a real Prometheus", .timeLimit(.minutes(4)))
struct DashboardQueryTests {
    @Test func everyQueryParsesUsesOnlyExposedMetricsAndEveryPanelReturnsData() async throws {
        let inventory = try PromQLInventory()
        #expect(inventory.panelQueries.count >= 40)

        // promtool parses each panel query as a recording rule's expression.
        let promtool = try Executables.required("promtool", package: "prometheus")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-panels-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let panelRules = inventory.panelQueries.enumerated().map { index, query in
            "      - record: dashboard:query_\(index)\n        expr: '\(query.expr.replacingOccurrences(of: "'", with: "''"))'"
        }
        try ("groups:\n  - name: dashboards\n    rules:\n" + panelRules.joined(separator: "\n") + "\n")
            .write(toFile: "\(directory)/panels.yml", atomically: true, encoding: .utf8)
        let check = try Command.run(promtool, ["check", "rules", "\(directory)/panels.yml"])
        #expect(check.status == 0, "promtool check rules on the panel queries: \(check.stdout)\(check.stderr)")

        // The demo workload, every capability on, with a Prometheus scraping it every second.
        let postgres = try await PostgresServer()
        let bouncer = try await PgBouncer(server: postgres, clientIdleTimeoutSeconds: 2)
        let nginx = try await Nginx()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--ingestion-window", "2s", "--task-duration", "100ms..300ms"])
        let soak = try await RunningSoak(
            configFile: "\(repositoryRoot)/examples/demo.yaml",
            environment: [
                "TARGET_URL": nginx.baseURL, "SANDBOX_URL": sandbox.baseURL, "SANDBOX_USER": Sandbox.username, "SANDBOX_PASSWORD": Sandbox.password,
                "DIRECT_DSN": postgres.dsn, "PROXY_DSN": bouncer.dsn, "RESULTS_FILE": "\(directory)/results.jsonl",
                // The remote connection tests hold their connection for 3 s, not a minute, so the
                // "Remote connection tests" panel has data within the test.
                "CONNECTION_TEST_MINUTES": "0.05",
            ])
        // soak as job soak, and the sandbox's Pulp-shaped metrics as job pulp, as pulpcore's would be.
        let prometheus = try await PrometheusServer(jobs: [
            .init(name: "soak", target: "127.0.0.1:\(soak.port)"),
            .init(name: "pulp", target: "127.0.0.1:\(sandbox.port)", credentials: (Sandbox.username, Sandbox.password)),
        ])

        // Every metric name the dashboards and rules use is one soak (or, for pulp_*, the sandbox) exposes, or one the rules record.
        #expect(try await eventually(timeout: .seconds(30)) { try soak.value("soak_db_hold_runs_total", ["result": "died"]) ?? 0 >= 1 })
        @Sendable func names(_ exposition: String) -> Set<String> {
            Set(exposition.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
                $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
            })
        }
        // The web config's families exist only with --web.config.file: they are read from a soak serving one.
        let certs = try WebCertificates()
        let protected = try await WebSoak(webConfig: WebTLSTests.serving(certs))
        let exposed = names(try soak.get("/metrics").text).union(names(try sandbox.request("/metrics").text))
            .union(names(try TLSClient.get(protected.httpsURL + "/metrics", ca: certs.ca).body))
        for (place, expr) in inventory.panelQueries + inventory.ruleExpressions {
            for name in PromQLInventory.metricNames(in: expr) where !["up", "ALERTS"].contains(name) {
                #expect(exposed.contains(name) || inventory.recordedNames.contains(name), "\(place) uses \(name), which soak does not expose")
            }
        }

        // After about a minute of scraping, every panel query returns data.
        let empty = EmptyPanels()
        let complete = try await eventually(timeout: .seconds(120)) {
            empty.places = try inventory.panelQueries.filter { try prometheus.query($0.expr).isEmpty }.map(\.place)
            return empty.places.isEmpty
        }
        #expect(complete, "panels without data after two minutes: \(empty.places)\nsoak log:\n\(soak.log.suffix(3000))")
    }
}

/// The panels that returned no data at the last look (written by one polling closure at a time).
private final class EmptyPanels: @unchecked Sendable {
    var places: [String] = []
}
