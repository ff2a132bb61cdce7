import Foundation
import Testing

/// The TLS half of `--web.config.file`, as clients see it: curl and openssl s_client against a
/// running soak, with certificates made by openssl for each test.
@Suite("--web.config.file: TLS and client certificates against curl and openssl", .serialized, .timeLimit(.minutes(3)))
struct WebTLSTests {
    /// A web config serving `certs`' server certificate, with more `tls_server_config` lines (indented by two).
    static func serving(_ certs: WebCertificates, _ lines: String = "", server: String = "server") -> String {
        """
        tls_server_config:
          cert_file: \(certs.cert(server))
          key_file: \(certs.key(server))
        \(lines)
        """
    }

    static func certificateOptions(_ certs: WebCertificates, _ name: String?) -> [String] {
        name.map { ["--cert", certs.cert($0), "--key", certs.key($0)] } ?? []
    }

    @Test func aPlainHTTPClientIsToldToUseHTTPSAndATLSClientGetsHTTP2() async throws {
        let certs = try WebCertificates()
        let soak = try await WebSoak(webConfig: Self.serving(certs))
        let plain = try TLSClient.get(soak.httpURL + "/metrics", ca: nil)
        #expect(plain.status == 400)
        #expect(plain.body == "This port serves HTTPS (tls_server_config in --web.config.file); use https://\n")
        let tls = try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca)
        #expect(tls.status == 200 && tls.body.contains("soak_build_info"), "\(tls.error)")
        #expect(tls.httpVersion == "2")
        let http1 = try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca, options: ["--http1.1"])
        #expect(http1.status == 200 && http1.httpVersion == "1.1")
    }

    @Test func http2OffServesHTTP1Only() async throws {
        let certs = try WebCertificates()
        let soak = try await WebSoak(webConfig: Self.serving(certs) + "\nhttp_server_config:\n  http2: false\n")
        let answer = try TLSClient.get(soak.httpsURL + "/healthz", ca: certs.ca, options: ["--http2"])
        #expect(answer.status == 200 && answer.httpVersion == "1.1", "\(answer.error)")
    }

    /// What each client_auth_type does with a client that sends no certificate, one from the client
    /// CA, one from another CA, and an expired one from the client CA (true: served).
    struct ClientAuthCase: Sendable, CustomTestStringConvertible {
        let type: String
        let none: Bool
        let valid: Bool
        let otherCA: Bool
        let expired: Bool
        var testDescription: String { type }
    }

    static let clientAuthCases = [
        ClientAuthCase(type: "NoClientCert", none: true, valid: true, otherCA: true, expired: true),
        ClientAuthCase(type: "RequestClientCert", none: true, valid: true, otherCA: true, expired: true),
        ClientAuthCase(type: "RequireAnyClientCert", none: false, valid: true, otherCA: true, expired: true),
        ClientAuthCase(type: "VerifyClientCertIfGiven", none: true, valid: true, otherCA: false, expired: false),
        ClientAuthCase(type: "RequireAndVerifyClientCert", none: false, valid: true, otherCA: false, expired: false),
    ]

    @Test(arguments: clientAuthCases)
    func clientCertificates(_ policy: ClientAuthCase) async throws {
        let certs = try WebCertificates()
        let ca = policy.type == "NoClientCert" ? "" : "  client_ca_file: \(certs.ca)\n"
        let soak = try await WebSoak(webConfig: Self.serving(certs, ca + "  client_auth_type: \(policy.type)"))
        let clients: [(name: String?, served: Bool)] = [
            (nil, policy.none), ("client", policy.valid), ("stranger", policy.otherCA), ("expired-client", policy.expired),
        ]
        for client in clients {
            let answer = try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca, options: Self.certificateOptions(certs, client.name))
            let who = "\(policy.type), client \(client.name ?? "without a certificate")"
            if client.served {
                #expect(answer.status == 200, "\(who): \(answer.status) \(answer.error)")
            } else {
                // Refused in the handshake (TLS 1.3 reports it on the first read): no HTTP answer at all.
                #expect(answer.exitCode != 0 && answer.status == 0, "\(who) was served: \(answer.status)")
            }
        }
    }

    @Test func aClientTrustingAnotherCARefusesSoak() async throws {
        let certs = try WebCertificates()
        let soak = try await WebSoak(webConfig: Self.serving(certs))
        let answer = try TLSClient.get(soak.httpsURL + "/healthz", ca: certs.otherCA)
        #expect(answer.exitCode == 60 && answer.status == 0, "\(answer.exitCode): \(answer.error)")
        #expect(answer.error.contains("certificate"))
    }

    @Test func anExpiredServerCertificateLoadsWithAWarningAndClientsRefuseIt() async throws {
        let certs = try WebCertificates()
        try certs.issue("old-server", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1\n", days: -1)
        let soak = try await WebSoak(webConfig: Self.serving(certs, server: "old-server"))
        let answer = try TLSClient.get(soak.httpsURL + "/healthz", ca: certs.ca)
        #expect(answer.exitCode == 60 && answer.error.contains("expired"), "\(answer.exitCode): \(answer.error)")
        #expect(soak.log.contains("the certificate expired on"), "\(soak.log)")
    }

    @Test func clientAllowedSANsRefuseAVerifiedCertificateWithoutOne() async throws {
        let certs = try WebCertificates()
        let soak = try await WebSoak(
            webConfig: Self.serving(
                certs, "  client_ca_file: \(certs.ca)\n  client_auth_type: RequireAndVerifyClientCert\n  client_allowed_sans: [prometheus, 10.0.0.7]"))
        let allowed = try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca, options: Self.certificateOptions(certs, "client"))
        #expect(allowed.status == 200, "\(allowed.error)")
        let intruder = try TLSClient.get(soak.httpsURL + "/metrics", ca: certs.ca, options: Self.certificateOptions(certs, "intruder"))
        #expect(intruder.status == 0 && intruder.exitCode != 0, "intruder was served: \(intruder.status)")
        #expect(soak.log.contains("none of its SANs is in client_allowed_sans") && soak.log.contains("sans=intruder"), "\(soak.log)")
    }

    /// A handshake policy (versions, cipher suites, curves) and clients that meet it or not.
    struct HandshakeCase: Sendable, CustomTestStringConvertible {
        let settings: String
        /// openssl s_client options, whether the handshake completes, and what its report then shows.
        let clients: [(options: [String], completes: Bool, shows: String?)]
        var testDescription: String { settings.trimmingCharacters(in: .whitespaces) }
    }

    static let handshakeCases = [
        HandshakeCase(
            settings: "  max_version: TLS12",
            clients: [(["-tls1_3"], false, nil), ([], true, "New, TLSv1.2")]),
        HandshakeCase(
            settings: "  min_version: TLS13",
            clients: [(["-tls1_2"], false, nil), ([], true, "New, TLSv1.3")]),
        HandshakeCase(
            settings: "  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]",
            clients: [
                (["-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"], false, nil),
                (["-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256"], true, "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"),
            ]),
        HandshakeCase(
            settings: "  curve_preferences: [CurveP521]",
            clients: [(["-groups", "P-384"], false, nil), (["-groups", "P-384:P-521"], true, "Server Temp Key: ECDH, secp521r1")]),
    ]

    @Test(arguments: handshakeCases)
    func handshakePolicy(_ policy: HandshakeCase) async throws {
        let certs = try WebCertificates()
        let soak = try await WebSoak(webConfig: Self.serving(certs, policy.settings))
        for client in policy.clients {
            let handshake = try TLSClient.handshake(port: soak.port, options: ["-CAfile", certs.ca] + client.options)
            #expect(handshake.completed == client.completes, "\(client.options): \(handshake.report)")
            if let shows = client.shows { #expect(handshake.report.contains(shows), "\(client.options): \(handshake.report)") }
        }
    }
}
