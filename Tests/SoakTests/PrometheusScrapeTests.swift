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

    /// soak behind TLS and basic auth, as the Kubernetes overlay deploys it: Prometheus scrapes it
    /// with `scheme: https`, `tls_config` and `basic_auth`; a job with a wrong password is refused.
    @Test func prometheusScrapesSoakOverTLSWithBasicAuth() async throws {
        let certs = try WebCertificates()
        let web = WebTLSTests.serving(certs) + "\nbasic_auth_users:\n  prometheus: '\(try htpasswdHash("scrape-pw", cost: 10))'\n"
        let soak = try await WebSoak(webConfig: web)
        let tls = "    scheme: https\n    tls_config:\n      ca_file: \(certs.ca)\n"
        let prometheus = try await PrometheusServer(
            scraping: "127.0.0.1:\(soak.port)",
            jobSettings: tls + "    basic_auth:\n      username: prometheus\n      password: scrape-pw",
            moreJobs: "  - job_name: soak-wrong-password\n    static_configs:\n      - targets: [\"127.0.0.1:\(soak.port)\"]\n" + tls
                + "    basic_auth:\n      username: prometheus\n      password: guess")
        let up = try await eventually(timeout: .seconds(60)) {
            try prometheus.query(#"up{job="soak"}"#).contains { PrometheusServer.value($0) == "1" }
        }
        #expect(up, "up{job=\"soak\"} never became 1; Prometheus log:\n\(prometheus.log)\nsoak log:\n\(soak.log)")
        #expect(try prometheus.query(#"soak_web_config_last_reload_successful{job="soak"}"#).first.flatMap(PrometheusServer.value) == "1")
        let refused = try await eventually(timeout: .seconds(60)) {
            try prometheus.targets().contains {
                ($0["labels"] as? [String: String])?["job"] == "soak-wrong-password" && ($0["lastError"] as? String ?? "").contains("401")
            }
        }
        #expect(refused, "the wrong password was not refused with 401: \((try? prometheus.targets()) ?? [])")
        #expect(try prometheus.query(#"up{job="soak-wrong-password"}"#).first.flatMap(PrometheusServer.value) == "0")
    }
}
