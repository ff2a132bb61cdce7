import Foundation
import Testing

@Suite("A real Prometheus scrapes soak", .timeLimit(.minutes(2)))
struct PrometheusScrapeTests {
    @Test func prometheusSeesSoakUpWithItsBuildInfo() async throws {
        let soak = try await RunningSoak(config: "")
        let prometheus = try await PrometheusServer(scraping: "127.0.0.1:\(soak.port)")
        let up = try await eventually(timeout: .seconds(60)) {
            try prometheus.query(#"up{job="soak"}"#).contains { PrometheusServer.value($0) == "1" }
        }
        #expect(up, "up{job=\"soak\"} never became 1; Prometheus log:\n\(prometheus.log)")
        let buildInfo = try prometheus.query(#"soak_build_info{job="soak"}"#)
        #expect(buildInfo.count == 1)
        let labels = buildInfo.first?["metric"] as? [String: String]
        #expect(labels?["version"] == "0.1.0")
        #expect(labels?["swift_version"]?.hasPrefix("6.") == true)
        #expect(buildInfo.first.flatMap(PrometheusServer.value) == "1")
        #expect(try prometheus.query(#"soak_config_last_reload_successful{job="soak"}"#).first.flatMap(PrometheusServer.value) == "1")
    }
}
