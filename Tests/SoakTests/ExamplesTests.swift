import Foundation
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
            environment: ["TARGET_URL": nginx.baseURL, "RAW_HTTP_USERS": "10", "SDK_USERS": "5", "USERS": "8", "CASES_DSN": "host=127.0.0.1 port=1 dbname=x"])
        for scenario in scenarios {
            #expect(
                try await eventually(timeout: .seconds(15)) { (try soak.value("soak_http_requests_total", ["scenario": scenario]) ?? 0) > 0 },
                "no traffic from \(scenario); log:\n\(soak.log)")
        }
        let errors = try soak.get("/metrics").text.split(separator: "\n").filter { $0.hasPrefix("soak_http_request_errors_total") }
        #expect(errors.isEmpty, "errors in \(file): \(errors)")
        #expect(try soak.get("/readyz").status == 200)
    }
}
