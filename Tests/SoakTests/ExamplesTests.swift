import Foundation
import SoakConfig
import Testing

@Suite("Every example config runs against a local target", .timeLimit(.minutes(2)))
struct ExamplesTests {
    static let examples = "\(repositoryRoot)/examples"

    @Test(arguments: [
        ("pulp-browse.yaml", ["pulp_browse"]),
        ("watch-history.yaml", ["watch_history"]),
        ("ml-ingest.yaml", ["raw_http", "sdk", "dlq_stats"]),
        ("log-analytics.yaml", ["log_analytics"]),
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
        let errors = try soak.get("/metrics").text.split(separator: "\n").filter { $0.hasPrefix("soak_http_request_errors_total") && !$0.hasSuffix(" 0") }
        #expect(errors.isEmpty, "errors in \(file): \(errors)")
        #expect(try soak.get("/readyz").status == 200)
    }

    @Test func demoRunsEveryCapabilityAgainstNginxTheSandboxPostgresAndPgbouncer() async throws {
        let postgres = try await PostgresServer()
        let bouncer = try await PgBouncer(server: postgres, clientIdleTimeoutSeconds: 2)
        let nginx = try await Nginx()
        // Four workers, as scripts/demo runs: the two one-minute connection tests occupy two of them,
        // and the orphan cleanup must not wait behind them.
        let sandbox = try await Sandbox(server: postgres, arguments: ["--ingestion-window", "1s", "--workers", "4"])
        let results = FileManager.default.temporaryDirectory.appendingPathComponent("soak-demo-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: results) }
        let soak = try await RunningSoak(
            configFile: Self.examples + "/demo.yaml",
            environment: [
                "TARGET_URL": nginx.baseURL, "SANDBOX_URL": sandbox.baseURL, "SANDBOX_USER": Sandbox.username, "SANDBOX_PASSWORD": Sandbox.password,
                "DIRECT_DSN": postgres.dsn, "PROXY_DSN": bouncer.dsn, "RESULTS_FILE": results,
            ])
        @Sendable func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { try? soak.value(name, labels) }
        #expect(try await eventually(timeout: .seconds(15)) {
            value("soak_db_hold_disconnects_total", ["database": "proxy", "test": "idle", "reason": "server_closed"]) ?? 0 >= 1
        }, "log:\n\(soak.log)")
        for scenario in ["browse", "analysts", "sandbox_work"] {
            #expect(value("soak_http_requests_total", ["scenario": scenario]) ?? 0 > 0, "no traffic from \(scenario)")
        }
        #expect(try soak.value("soak_http_request_errors_total") == 0)
        for probe in ["connect", "query", "activity", "settings"] {
            #expect(value("soak_db_probe_success", ["database": "direct", "probe": probe]) == 1, "direct \(probe)")
        }
        #expect(value("soak_db_hold_alive", ["database": "direct", "test": "idle"]) == 1)
        #expect(value("soak_db_hold_alive", ["database": "direct", "test": "listen_with_notify"]) == 1)
        #expect(try await eventually { value("soak_tasks_finished_total", ["probe": "orphan_cleanup", "state": "completed"]) ?? 0 >= 1 })
        #expect(value("soak_tasks_dispatched_total", ["probe": "connection_tests"]) == 2)
        #expect(value("soak_ingested_tasks_per_request_sum", ["probe": "sandbox_ingestion"]) ?? 0 > 0)
        #expect(value("soak_json_value", ["probe": "sandbox_status", "name": "online_workers"]) == 4)
        #expect(value("soak_json_probe_success", ["probe": "sandbox_status"]) == 1)
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains(#""database":"proxy""#) && $0.contains(#""reason":"server_closed""#) && $0.contains(#""sqlstate":"08P01""#) })
        #expect(lines.contains { $0.contains(#""kind":"ingestion""#) })
    }

    @Test func pulpExampleGetsIngestionTaskStatusAndDatabaseNumbersFromAPulpShapedServer() async throws {
        let postgres = try await PostgresServer()
        let sandbox = try await Sandbox(server: postgres, arguments: ["--ingestion-window", "1s"])
        let soak = try await RunningSoak(
            configFile: Self.examples + "/pulp.yaml",
            environment: [
                "PULP_API_ROOT": sandbox.baseURL, "PULP_USER": Sandbox.username, "PULP_PASSWORD": Sandbox.password,
                "PULP_DB_DSN": "host=127.0.0.1 port=\(postgres.port) dbname=\(sandbox.database) user=soak", "RESULTS_FILE": "/dev/null",
            ])
        @Sendable func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { try? soak.value(name, labels) }
        // Every probe runs once at start, then on its interval.
        #expect(try await eventually(timeout: .seconds(20)) {
            value("soak_tasks_finished_total", ["probe": "orphan_cleanup", "state": "completed"]) == 1
                && value("soak_ingested_tasks_per_request_count", ["probe": "pulp_ingestion"]) == 1
        }, "log:\n\(soak.log)")
        #expect(value("soak_ingested_tasks_per_request_sum", ["probe": "pulp_ingestion"]) ?? 0 > 0)
        #expect(value("soak_ingest_tasks_per_second", ["probe": "pulp_ingestion"]) ?? 0 > 0)
        #expect(value("soak_json_value", ["probe": "pulp_status", "name": "online_workers"]) == 2)
        #expect(value("soak_json_value", ["probe": "pulp_status", "name": "database_connected"]) == 1)
        #expect(value("soak_json_probe_success", ["probe": "pulp_status"]) == 1)
        #expect(try await eventually { value("soak_http_requests_total", ["scenario": "pulp_browse"]) ?? 0 > 0 })
        #expect(try soak.value("soak_http_request_errors_total") == 0)
        for probe in ["connect", "query", "activity", "settings"] {
            #expect(value("soak_db_probe_success", ["database": "pulp", "probe": probe]) == 1, "database \(probe)")
        }
        #expect(try await eventually { value("soak_db_hold_alive", ["database": "pulp", "test": "listen"]) == 1 })
    }

    @Test func pulpExampleTakesAClientCertificateInsteadOfBasicAuth() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-pulp-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in ["tls.crt", "tls.key"] { try "not read at load".write(toFile: "\(directory)/\(file)", atomically: true, encoding: .utf8) }
        let text = try String(contentsOfFile: Self.examples + "/pulp.yaml", encoding: .utf8)
            .replacingOccurrences(of: "    auth:\n      basic: { username: \"${PULP_USER}\", password: \"${PULP_PASSWORD}\" }\n", with: "")
            .replacingOccurrences(of: "    # tls:", with: "    tls:")
            .replacingOccurrences(of: "    #   cert_file", with: "      cert_file")
            .replacingOccurrences(of: "    #   key_file", with: "      key_file")
        let config = try ConfigLoader.parse(
            yaml: text, file: "pulp.yaml", baseDirectory: "/",
            environment: ["PULP_API_ROOT": "https://pulp.example.com", "PULP_CERT_FILE": "\(directory)/tls.crt", "PULP_KEY_FILE": "\(directory)/tls.key", "PULP_DB_DSN": "host=db"])
        let pulp = try #require(config.targets.first)
        #expect(pulp.auth == nil)
        #expect(pulp.tls?.certFile == "\(directory)/tls.crt" && pulp.tls?.keyFile == "\(directory)/tls.key")
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
