import Foundation
import Testing

/// `soak check-config --web.config.file PATH` loads the certificates, keys and CAs as the daemon does and
/// reports each problem at its key; `soak run` refuses to start on a web config that does not load.
@Suite("soak check-config --web.config.file and a web config that does not load", .serialized, .timeLimit(.minutes(1)))
struct WebCheckConfigTests {
    /// A web config in the certificates' directory, so that the test can name its files relatively.
    static func check(_ certs: WebCertificates, _ text: String) throws -> Command.Output {
        let path = certs.path("web.yml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try Command.run(Executables.soak, ["check-config", "--web.config.file", path])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// Prepares files in the certificates' directory.
        let prepare: @Sendable (WebCertificates) throws -> Void
        let config: String
        /// The expected lines, DIR standing for the certificates' directory.
        let problems: [String]
        var testDescription: String { name }
    }

    static let tls = "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"

    static let cases: [Case] = [
        Case(
            name: "missing files", prepare: { _ in }, config: "tls_server_config:\n  cert_file: nowhere.pem\n  key_file: nowhere.key\n",
            problems: [
                #"DIR/web.yml:2:14: tls_server_config.cert_file: cannot read "DIR/nowhere.pem": No such file or directory"#,
                #"DIR/web.yml:3:13: tls_server_config.key_file: cannot read "DIR/nowhere.key": No such file or directory"#,
            ]),
        Case(
            name: "certificate and key swapped", prepare: { _ in }, config: "tls_server_config:\n  cert_file: server.key\n  key_file: server.pem\n",
            problems: [
                #"DIR/web.yml:2:14: tls_server_config.cert_file: "DIR/server.key" holds no readable PEM certificate (-----BEGIN CERTIFICATE-----)"#,
                #"DIR/web.yml:3:13: tls_server_config.key_file: "DIR/server.pem" holds no readable PEM private key (-----BEGIN PRIVATE KEY-----)"#,
            ]),
        Case(
            name: "a key of another certificate", prepare: { _ in }, config: "tls_server_config:\n  cert_file: server.pem\n  key_file: client.key\n",
            problems: [
                "DIR/web.yml:3:13: tls_server_config.key_file: this private key does not belong to the certificate in tls_server_config.cert_file"
            ]),
        Case(
            name: "a DER certificate",
            prepare: { certs in
                let openssl = try Executables.required("openssl", package: "openssl")
                _ = try Command.run(openssl, ["x509", "-in", certs.cert("server"), "-outform", "DER", "-out", certs.path("server.der")])
            },
            config: "tls_server_config:\n  cert_file: server.der\n  key_file: server.key\n",
            problems: [#"DIR/web.yml:2:14: tls_server_config.cert_file: cannot read "DIR/server.der": not UTF-8 text (it must be PEM, not DER)"#]),
        Case(
            name: "an encrypted key",
            prepare: { certs in
                let openssl = try Executables.required("openssl", package: "openssl")
                _ = try Command.run(openssl, ["pkey", "-in", certs.key("server"), "-aes256", "-passout", "pass:x", "-out", certs.path("locked.key")])
            },
            config: "tls_server_config:\n  cert_file: server.pem\n  key_file: locked.key\n",
            problems: [
                #"DIR/web.yml:3:13: tls_server_config.key_file: "DIR/locked.key" holds an encrypted private key, and the web config has no passphrase; decrypt it with openssl pkey"#
            ]),
        Case(
            name: "a client CA that is not one", prepare: { _ in },
            config: tls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: web.yml\n",
            problems: [#"DIR/web.yml:5:19: tls_server_config.client_ca_file: "DIR/web.yml" holds no readable PEM CA certificate (-----BEGIN CERTIFICATE-----)"#]),
        Case(
            name: "an inline key that is no key", prepare: { _ in }, config: "tls_server_config:\n  cert_file: server.pem\n  key: not a key\n",
            problems: ["DIR/web.yml:3:8: tls_server_config.key: the PEM text holds no readable PEM private key (-----BEGIN PRIVATE KEY-----)"]),
    ]

    @Test(arguments: cases)
    func problemsAtTheirKeys(_ testCase: Case) throws {
        let certs = try WebCertificates()
        try testCase.prepare(certs)
        let output = try Self.check(certs, testCase.config)
        #expect(output.status == 1)
        #expect(output.stdout.split(separator: "\n").map(String.init) == testCase.problems.map { $0.replacingOccurrences(of: "DIR", with: certs.directory) })
    }

    @Test func aGoodFileIsSummarisedWithItsWarnings() throws {
        let certs = try WebCertificates()
        try certs.issue("old-server", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1\n", days: -1)
        let inlineKey = try String(contentsOfFile: certs.key("old-server"), encoding: .utf8).split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
        let config = """
            tls_server_config:
              cert_file: old-server.pem
              key: |
            \(inlineKey)
              client_auth_type: VerifyClientCertIfGiven
              client_ca_file: ca.pem
              client_allowed_sans: [prometheus]
            basic_auth_users:
              prometheus: '\(try htpasswdHash("pw"))'
            rate_limit: {interval: 1s, burst: 10}
            """
        let output = try Self.check(certs, config)
        #expect(output.status == 0, "\(output.stdout)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        let web = certs.path("web.yml")
        #expect(lines.first == "\(web): OK")
        #expect(lines.contains { $0.hasPrefix("  TLS: TLS12 to TLS13, HTTP/2 on; certificate CN=127.0.0.1, valid until ") })
        #expect(lines.contains("  client certificates: VerifyClientCertIfGiven, verified against tls_server_config.client_ca_file; allowed SANs: prometheus"))
        #expect(lines.contains("  basic auth: 1 user(s) (prometheus), bcrypt cost 4; /healthz and /readyz answer without credentials"))
        #expect(lines.contains("  rate limit: bursts of 10, one more request every 1s"))
        #expect(lines.last?.hasPrefix("\(web):2:14: warning: tls_server_config.cert_file: the certificate expired on ") == true)
    }

    @Test func bothFilesAreCheckedAndEitherFailingFails() throws {
        let certs = try WebCertificates()
        let config = certs.path("soak.yaml")
        try "targets:\n  pulp:\n    url: https://p.example.com\n".write(toFile: config, atomically: true, encoding: .utf8)
        let web = certs.path("web.yml")
        try "basic_auth_users:\n  alice: secret\n".write(toFile: web, atomically: true, encoding: .utf8)
        let output = try Command.run(Executables.soak, ["check-config", config, "--web.config.file", web])
        #expect(output.status == 1)
        #expect(output.stdout.contains("\(config): OK"))
        #expect(output.stdout.contains("\(web):2:10: basic_auth_users.alice: not a bcrypt hash; "))
        let neither = try Command.run(Executables.soak, ["check-config"])
        #expect(neither.status != 0 && neither.stderr.contains("name a config file, a --web.config.file, or both"))
    }

    @Test func soakDoesNotStartOnAWebConfigThatDoesNotLoad() async throws {
        let soak = try await WebSoak(webConfig: "tls_server_config:\n  cert_file: nowhere.pem\n  key_file: nowhere.key\n", waitUntilListening: false)
        let status = try await soak.soak.waitForExit(timeout: .seconds(20))
        #expect(status == 1)
        #expect(soak.log.contains("invalid config; fix it and start again"))
        #expect(soak.log.contains(#"\#(soak.webConfigPath):2:14: tls_server_config.cert_file: cannot read"#), "\(soak.log)")
    }
}
