import Foundation
import SoakConfig
import Testing

@Suite("Every example config runs against a local target", .timeLimit(.minutes(2)))
struct ExamplesTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples").path

    @Test(arguments: [
        ("pulp-browse.yaml", ["pulp_browse"]),
        ("watch-history.yaml", ["watch_history"]),
        ("ml-ingest.yaml", ["raw_http", "sdk", "dlq_stats"]),
        ("log-analytics.yaml", ["log_analytics"]),
        ("demo.yaml", ["browse", "analysts"]),
    ])
    func exampleSendsTrafficWithoutErrors(_ file: String, _ scenarios: [String]) async throws {
        let nginx = try await Nginx()
        let soak = try await RunningSoak(
            configFile: Self.examples + "/" + file,
            environment: ["TARGET_URL": nginx.baseURL, "RAW_HTTP_USERS": "10", "SDK_USERS": "5", "USERS": "8", "CASES_DSN": "host=127.0.0.1 port=1 dbname=x",
                "DIRECT_DSN": "host=127.0.0.1 port=1 dbname=x", "PROXY_DSN": "host=127.0.0.1 port=1 dbname=x", "RESULTS_FILE": "/dev/null",
            ])
        for scenario in scenarios {
            #expect(
                try await eventually(timeout: .seconds(15)) { (try soak.value("soak_http_requests_total", ["scenario": scenario]) ?? 0) > 0 },
                "no traffic from \(scenario); log:\n\(soak.log)")
        }
        let errors = try soak.get("/metrics").text.split(separator: "\n").filter { $0.hasPrefix("soak_http_request_errors_total") }
        #expect(errors.isEmpty, "errors in \(file): \(errors)")
        #expect(try soak.get("/readyz").status == 200)
    }

    @Test func demoDatabasesRunDirectlyAndThroughPgbouncerWhoseIdleTimeoutEndsTheProxyIdleHold() async throws {
        let postgres = try await PostgresServer()
        let bouncer = try await PgBouncer(server: postgres, clientIdleTimeoutSeconds: 2)
        let nginx = try await Nginx()
        let results = FileManager.default.temporaryDirectory.appendingPathComponent("soak-demo-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: results) }
        let soak = try await RunningSoak(
            configFile: Self.examples + "/demo.yaml",
            environment: ["TARGET_URL": nginx.baseURL, "DIRECT_DSN": postgres.dsn, "PROXY_DSN": bouncer.dsn, "RESULTS_FILE": results])
        #expect(try await eventually(timeout: .seconds(15)) {
            try soak.value("soak_db_hold_disconnects_total", ["database": "proxy", "test": "idle", "reason": "server_closed"]) ?? 0 >= 1
        }, "log:\n\(soak.log)")
        for probe in ["connect", "query", "activity", "settings"] {
            #expect(try soak.value("soak_db_probe_success", ["database": "direct", "probe": probe]) == 1, "direct \(probe)")
        }
        #expect(try soak.value("soak_db_hold_alive", ["database": "direct", "test": "idle"]) == 1)
        #expect(try soak.value("soak_db_hold_alive", ["database": "direct", "test": "listen_with_notify"]) == 1)
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains(#""database":"proxy""#) && $0.contains(#""reason":"server_closed""#) && $0.contains(#""sqlstate":"08P01""#) })
    }

    @Test func rdsProxyExampleLoadsWithItsSevenTestsOnBothPaths() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-rds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "host=127.0.0.1 dbname=pulp".write(toFile: "\(directory)/dsn", atomically: true, encoding: .utf8)
        let text = try String(contentsOfFile: Self.examples + "/rds-proxy.yaml", encoding: .utf8)
            .replacingOccurrences(of: "/var/run/secrets/db-direct/dsn", with: "\(directory)/dsn")
            .replacingOccurrences(of: "/var/run/secrets/db-proxy/dsn", with: "\(directory)/dsn")
        let config = try ConfigLoader.parse(yaml: text, file: "rds-proxy.yaml", baseDirectory: directory, environment: [:])
        #expect(config.databases.map(\.name) == ["direct", "proxy"])
        #expect(config.databases.allSatisfy { $0.holds.count == 7 && $0.holds.allSatisfy { $0.hold == .seconds(3000) } })
    }
}
