import Foundation
import Testing

/// `--web.config.file` is re-read when it or a file it names changes: a rotated certificate is served
/// to new connections without a restart, and a broken file keeps the last good config and says so.
@Suite("--web.config.file: rotation and broken files", .serialized, .timeLimit(.minutes(2)))
struct WebRotationTests {
    /// Copies `name`'s certificate and key to the files soak serves, certificate first, as a person would.
    static func install(_ certs: WebCertificates, _ name: String, into live: String) throws {
        for (from, to) in [(certs.cert(name), "tls.crt"), (certs.key(name), "tls.key")] {
            try Data(contentsOf: URL(fileURLWithPath: from)).write(to: URL(fileURLWithPath: "\(live)/\(to)"))
        }
    }

    static func webConfig(live: String, users: String) -> String {
        """
        tls_server_config:
          cert_file: \(live)/tls.crt
          key_file: \(live)/tls.key
        basic_auth_users:
        \(users)
        """
    }

    static func metric(_ soak: WebSoak, ca: String, credentials: String, _ name: String) throws -> Double? {
        MetricsText.value(try TLSClient.get(soak.httpsURL + "/metrics", ca: ca, options: ["-u", credentials]).body, name, [:])
    }

    @Test func aRotatedCertificateIsServedToNewConnectionsWithoutARestart() async throws {
        let certs = try WebCertificates()
        let live = certs.path("live")
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        try Self.install(certs, "server", into: live)
        let soak = try await WebSoak(webConfig: Self.webConfig(live: live, users: "  alice: '\(try htpasswdHash("alice-pw"))'"))
        let first = try certs.serial("server")
        #expect(try TLSClient.servedSerial(port: soak.port) == first)
        let expiry = try #require(try Self.metric(soak, ca: certs.ca, credentials: "alice:alice-pw", "soak_web_tls_certificate_expiry_timestamp_seconds"))

        try certs.issue("renewed", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1\n", days: 30)
        try Self.install(certs, "renewed", into: live)
        let renewed = try certs.serial("renewed")
        #expect(first != renewed)
        let served = try await eventually(timeout: .seconds(20)) { try TLSClient.servedSerial(port: soak.port) == renewed }
        #expect(served, "the renewed certificate was never served; log:\n\(soak.log)")
        #expect(soak.logged("web config reloaded") >= 1)
        let answer = try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca, options: ["-u", "alice:alice-pw"])
        #expect(answer.status == 200)
        let renewedExpiry = try #require(MetricsText.value(answer.body, "soak_web_tls_certificate_expiry_timestamp_seconds", [:]))
        #expect(renewedExpiry > expiry + 20 * 86_400, "the expiry metric follows the served certificate")
    }

    @Test func aBrokenWebConfigKeepsTheLastGoodOneLogsWhyAndRecovers() async throws {
        let certs = try WebCertificates()
        let live = certs.path("live")
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        try Self.install(certs, "server", into: live)
        let alice = "  alice: '\(try htpasswdHash("alice-pw"))'"
        let soak = try await WebSoak(webConfig: Self.webConfig(live: live, users: alice))
        let reloadFailed = "web config reload failed; the previous web config keeps serving"

        // Broken YAML: logged with its place, the metric drops, and alice still gets in.
        try soak.writeWebConfig(Self.webConfig(live: live, users: alice) + "\nrate_limit: [\n")
        #expect(try await eventually(timeout: .seconds(20)) { soak.logged(reloadFailed) >= 1 }, "\(soak.log)")
        #expect(soak.log.contains(#"problem="\#(soak.webConfigPath):7:1: invalid YAML"#), "\(soak.log)")
        #expect(try Self.metric(soak, ca: certs.ca, credentials: "alice:alice-pw", "soak_web_config_last_reload_successful") == 0)
        #expect(try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca).status == 401)

        // A certificate whose key is not beside it yet: refused, the old pair is still served.
        try Self.install(certs, "intruder", into: live)
        try Data(contentsOf: URL(fileURLWithPath: certs.key("server"))).write(to: URL(fileURLWithPath: "\(live)/tls.key"))
        try soak.writeWebConfig(Self.webConfig(live: live, users: alice))
        #expect(try await eventually(timeout: .seconds(20)) { soak.log.contains("this private key does not belong to the certificate") }, "\(soak.log)")
        #expect(try TLSClient.servedSerial(port: soak.port) == certs.serial("server"))

        // Fixed: a new user, the old pair back; the new config serves and the metric is 1 again.
        try Self.install(certs, "server", into: live)
        try soak.writeWebConfig(Self.webConfig(live: live, users: "  bob: '\(try htpasswdHash("bob-pw"))'"))
        let bobIn = try await eventually(timeout: .seconds(20)) {
            try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca, options: ["-u", "bob:bob-pw"]).status == 200
        }
        #expect(bobIn, "\(soak.log)")
        #expect(try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca, options: ["-u", "alice:alice-pw"]).status == 401)
        #expect(try Self.metric(soak, ca: certs.ca, credentials: "bob:bob-pw", "soak_web_config_last_reload_successful") == 1)

        // Turning TLS off cannot apply to a listener already serving HTTPS: refused, and HTTPS goes on.
        try soak.writeWebConfig("basic_auth_users:\n  bob: '\(try htpasswdHash("bob-pw"))'\n")
        #expect(try await eventually(timeout: .seconds(20)) { soak.log.contains("cannot switch between HTTP and HTTPS") }, "\(soak.log)")
        #expect(try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca, options: ["-u", "bob:bob-pw"]).status == 200)
        #expect(soak.soak.process.isRunning)
    }
}
