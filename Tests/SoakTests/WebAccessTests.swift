import Foundation
import Testing

/// What a request meets in front of soak's endpoints with `--web.config.file`: basic auth on all
/// but /healthz and /readyz, the configured headers on every answer, the rate limit.
@Suite("--web.config.file: basic auth, probes, headers and the rate limit on a running soak", .serialized, .timeLimit(.minutes(2)))
struct WebAccessTests {
    static let headers = """
        http_server_config:
          headers:
            X-Frame-Options: deny
            X-Content-Type-Options: nosniff
            Strict-Transport-Security: max-age=31536000; includeSubDomains
            Content-Security-Policy: "default-src 'self'"
        """

    static func expectHeaders(_ answer: TLSClient.Answer, _ what: String) {
        #expect(answer.headers["x-frame-options"] == "deny", "\(what)")
        #expect(answer.headers["x-content-type-options"] == "nosniff", "\(what)")
        #expect(answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains", "\(what)")
        #expect(answer.headers["content-security-policy"] == "default-src 'self'", "\(what)")
    }

    @Test func everyEndpointButTheProbesNeedsCredentialsAndEveryAnswerCarriesTheHeaders() async throws {
        let certs = try WebCertificates()
        let web = WebTLSTests.serving(certs) + "\nbasic_auth_users:\n  prometheus: '\(try htpasswdHash("scrape-pw"))'\n" + Self.headers
        let soak = try await WebSoak(webConfig: web)
        let base = soak.httpsURL

        for path in ["/healthz", "/readyz"] {
            for method in ["GET", "HEAD"] {
                let probe = try TLSClient.get(base + path, ca: certs.ca, options: method == "HEAD" ? ["-I"] : [])
                // Without credentials, and HEAD as GET.
                #expect(probe.status == 200 || (path == "/readyz" && probe.status == 503), "\(method) \(path): \(probe.status) \(probe.error)")
                Self.expectHeaders(probe, "\(method) \(path)")
            }
        }
        // A probe path is open to probes only: another method still needs credentials.
        #expect(try TLSClient.get(base + "/healthz", ca: certs.ca, options: ["-X", "POST"]).status == 401)

        for path in ["/metrics", "/", "/api/v1/status", "/-/reload", "/no-such-page"] {
            let anonymous = try TLSClient.get(base + path, ca: certs.ca)
            #expect(anonymous.status == 401, "\(path) without credentials: \(anonymous.status)")
            #expect(anonymous.headers["www-authenticate"] == #"Basic realm="soak", charset="UTF-8""#, "\(path)")
            Self.expectHeaders(anonymous, "401 for \(path)")
            #expect(try TLSClient.get(base + path, ca: certs.ca, options: ["-u", "prometheus:wrong"]).status == 401, "\(path), wrong password")
            #expect(try TLSClient.get(base + path, ca: certs.ca, options: ["-u", "nobody:scrape-pw"]).status == 401, "\(path), unknown user")
        }
        let metrics = try TLSClient.get(base + "/metrics", ca: certs.ca, options: ["-u", "prometheus:scrape-pw"])
        #expect(metrics.status == 200 && metrics.body.contains("soak_web_config_last_reload_successful 1.0"))
        #expect(metrics.body.contains(#"soak_web_requests_rejected_total{reason="unauthorized"} 16"#), "\(metrics.body)")
        Self.expectHeaders(metrics, "/metrics")
        #expect(try TLSClient.get(base + "/", ca: certs.ca, options: ["-u", "prometheus:scrape-pw"]).status == 200)
        #expect(try TLSClient.get(base + "/no-such-page", ca: certs.ca, options: ["-u", "prometheus:scrape-pw"]).status == 404)
        #expect(try TLSClient.get(base + "/-/reload", ca: certs.ca, options: ["-u", "prometheus:scrape-pw", "-X", "POST"]).status == 403)
    }

    /// exporter-toolkit's own test for CVE-2022-46146, over HTTP: both requests must fail.
    @Test func cve2022_46146OverHTTP() async throws {
        let alice = try htpasswdHash("alice-pw", cost: 5)
        let soak = try await WebSoak(webConfig: "basic_auth_users:\n  alice: '\(alice)'\n")
        let base = soak.httpURL
        #expect(try TLSClient.get(base + "/metrics", ca: nil, options: ["-u", "alice\(alice):fakepassword"]).status == 401)
        #expect(try TLSClient.get(base + "/metrics", ca: nil, options: ["-u", "alice:\(alice)fakepassword"]).status == 401)
        #expect(try TLSClient.get(base + "/metrics", ca: nil, options: ["-u", "alice:alice-pw"]).status == 200)
    }

    @Test func theRateLimitRefusesWith429ButNeverTheProbes() async throws {
        let soak = try await WebSoak(webConfig: "rate_limit:\n  interval: 1h\n  burst: 2\n")
        #expect(try TLSClient.get(soak.httpURL + "/metrics", ca: nil).status == 200)
        #expect(try TLSClient.get(soak.httpURL + "/", ca: nil).status == 200)
        let refused = try TLSClient.get(soak.httpURL + "/metrics", ca: nil)
        #expect(refused.status == 429 && refused.body.contains("rate_limit"))
        for _ in 0..<3 {
            #expect(try TLSClient.get(soak.httpURL + "/healthz", ca: nil).status == 200)
        }
    }
}
