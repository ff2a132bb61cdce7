import Foundation
import SoakConfig
import Testing

/// The web config files beside this file; problems name files relative to it.
let webTestdata = testdata + "/web"

func loadWeb(_ name: String) throws(ConfigError) -> WebConfigFile {
    let text = (try? String(contentsOfFile: webTestdata + "/" + name, encoding: .utf8)) ?? ""
    return try WebConfigFile.parse(yaml: text, file: name, baseDirectory: webTestdata)
}

@Suite("Web config files (--web.config.file) that fail to load, with their exact problems")
struct InvalidWebConfigTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String
        let problems: [String]
        var testDescription: String { file }
    }

    static let allSuites =
        "TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA, TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_GCM_SHA384, "
        + "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "
        + "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "
        + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "
        + "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
    static let hashHint = #"store a bcrypt hash, not the password: htpasswd -nBC 10 "" | tr -d ':\n'"#
    static let tlsOff = "TLS is off because tls_server_config has no cert_file and key_file, so this does nothing; add cert_file and key_file, or remove it"

    static let cases: [Case] = [
        Case(
            file: "junk.yml",
            problems: ["junk.yml:1:1: the config: expected a mapping of tls_server_config, http_server_config, basic_auth_users, rate_limit, found a list"]),
        Case(
            file: "junk-key.yml",
            problems: [
                #"junk-key.yml:2:3: unknown key "cert_filse" in tls_server_config; did you mean "cert_file"? (valid keys: cert, key, client_ca, "#
                    + "cert_file, key_file, client_auth_type, client_ca_file, client_allowed_sans, min_version, max_version, cipher_suites, "
                    + "prefer_server_cipher_suites, curve_preferences)",
                #"junk-key.yml:3:1: unknown key "basic_auth_user" at the top level; did you mean "basic_auth_users"? "#
                    + "(valid keys: tls_server_config, http_server_config, basic_auth_users, rate_limit)",
            ]),
        Case(file: "cert-missing.yml", problems: ["cert-missing.yml:2:3: tls_server_config: missing cert_file (or cert): the server certificate, in PEM"]),
        Case(
            file: "cert-path-empty.yml",
            problems: [
                "cert-path-empty.yml:2:14: tls_server_config.cert_file: must not be empty; name the PEM file holding the server certificate",
                "cert-path-empty.yml:3:13: tls_server_config.key_file: must not be empty; name the PEM file holding the server's private key",
            ]),
        Case(file: "cert-twice.yml", problems: ["cert-twice.yml:3:9: tls_server_config.cert: set either cert_file or cert, not both"]),
        Case(
            file: "client-ca-without-policy.yml",
            problems: [
                "client-ca-without-policy.yml:4:19: tls_server_config.client_ca_file: a client CA does nothing while client_auth_type is NoClientCert; "
                    + "set client_auth_type: RequireAndVerifyClientCert (or VerifyClientCertIfGiven)"
            ]),
        Case(
            file: "client-auth-unknown.yml",
            problems: [
                #"client-auth-unknown.yml:5:21: tls_server_config.client_auth_type: unknown client_auth_type "requireandverifyclientcert"; "#
                    + #"did you mean "RequireAndVerifyClientCert"? (valid: NoClientCert, RequestClientCert, RequireAnyClientCert, "#
                    + "VerifyClientCertIfGiven, RequireAndVerifyClientCert)"
            ]),
        Case(
            file: "sans-without-client-certs.yml",
            problems: [
                "sans-without-client-certs.yml:4:24: tls_server_config.client_allowed_sans: needs a client certificate to check, "
                    + "but client_auth_type is NoClientCert; set client_auth_type: RequireAndVerifyClientCert"
            ]),
        Case(
            file: "sans-empty.yml",
            problems: [
                "sans-empty.yml:6:24: tls_server_config.client_allowed_sans: an empty list would refuse every client; list the allowed SANs, or remove the key"
            ]),
        Case(
            file: "invented-names.yml",
            problems: [
                #"invented-names.yml:4:16: tls_server_config.min_version: unknown TLS version "TLS1.2" (valid: TLS10, TLS11, TLS12, TLS13)"#,
                #"invented-names.yml:5:16: tls_server_config.max_version: unknown TLS version "tls13"; did you mean "TLS13"? (valid: TLS10, TLS11, TLS12, TLS13)"#,
                #"invented-names.yml:6:58: tls_server_config.cipher_suites[1]: unknown cipher suite "TLS_RSA_WITH_RC4_128_SHA" (valid: "# + allSuites + ")",
                #"invented-names.yml:7:34: tls_server_config.curve_preferences[1]: unknown curve "P-384" (valid: CurveP256, CurveP384, CurveP521, X25519)"#,
            ]),
        Case(
            file: "versions-crossed.yml",
            problems: [
                "versions-crossed.yml:4:16: tls_server_config: min_version TLS13 is above max_version TLS12, so no client could connect; "
                    + "lower min_version or raise max_version"
            ]),
        Case(
            file: "no-http2-cipher.yml",
            problems: [
                "no-http2-cipher.yml:5:5: tls_server_config.cipher_suites: HTTP/2 (http_server_config.http2, on by default) needs "
                    + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 when TLS 1.2 is allowed (RFC 7540 section 9.2.2); "
                    + "add one, or set http_server_config.http2: false"
            ]),
        Case(
            file: "tls13-suites.yml",
            problems: [
                "tls13-suites.yml:5:5: tls_server_config.cipher_suites: names only TLS 1.3 suites, so TLS 1.2 and older connections would have "
                    + "no cipher suite; add TLS 1.2 suites, or set min_version: TLS13",
                "tls13-suites.yml:5:7: tls_server_config.cipher_suites: TLS 1.3 suites cannot be chosen: BoringSSL, like Go, always offers "
                    + "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256; list all three or none",
            ]),
        Case(
            file: "settings-without-tls.yml",
            problems: [
                "settings-without-tls.yml:2:3: tls_server_config.min_version: " + tlsOff,
                "settings-without-tls.yml:3:3: tls_server_config.cipher_suites: " + tlsOff,
            ]),
        Case(
            file: "headers.bad.yml",
            problems: [
                #"headers.bad.yml:2:10: http_server_config.http2: expected true or false, found "yes""#,
                #"headers.bad.yml:4:29: http_server_config.headers.X-Content-Type-Options: invalid value "sniff" (valid: nosniff)"#,
                #"headers.bad.yml:5:22: http_server_config.headers.X-Frame-Options: invalid value "DENY" (valid: deny, sameorigin)"#,
                #"headers.bad.yml:6:5: http_server_config.headers.Server: header "Server" cannot be set (allowed: Strict-Transport-Security, "#
                    + "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)",
                "headers.bad.yml:7:32: http_server_config.headers.Strict-Transport-Security: a header value cannot hold control characters such as line breaks",
            ]),
        Case(
            file: "users.bad.yml",
            problems: [
                "users.bad.yml:2:9: basic_auth_users.john: not a bcrypt hash; " + hashHint,
                "users.bad.yml:3:6: basic_auth_users.x: $2x$ hashes come from a bug in crypt_blowfish and cannot be checked; hash the password again (htpasswd -B writes $2y$)",
                "users.bad.yml:4:10: basic_auth_users.cheap: bcrypt cost 3 is outside 4 to 31; hash the password again",
                "users.bad.yml:5:8: basic_auth_users.cut: a bcrypt hash has 60 characters, this one 52; was it cut or quoted wrongly?",
                #"users.bad.yml:6:3: basic_auth_users.team:ops: a user name cannot contain ":" (HTTP basic auth splits there); rename the user"#,
                "users.bad.yml:7:8: basic_auth_users.md5: not a bcrypt hash; " + hashHint,
            ]),
        Case(file: "users-duplicate.yml", problems: [#"users-duplicate.yml:2:3: duplicate key "alice" in this mapping; keep one"#]),
        Case(
            file: "rate-limit.bad.yml",
            problems: [
                "rate-limit.bad.yml:3:10: rate_limit.burst: with burst 0 every request would be refused; set burst to 1 or more, or interval to 0 to turn the limit off"
            ]),
        Case(
            file: "rate-limit-interval.bad.yml",
            problems: [
                #"rate-limit-interval.bad.yml:2:13: rate_limit.interval: invalid duration "1.5 seconds": write a number and a unit "#
                    + "(us, ms, s, m, h, d), largest unit first, e.g. 500us, 0.5ms, 30s or 1h30m"
            ]),
    ]

    @Test(arguments: cases)
    func problems(_ testCase: Case) {
        #expect(throws: ConfigError.self) { try loadWeb(testCase.file) }
        do {
            _ = try loadWeb(testCase.file)
        } catch {
            #expect(error.problems.map(\.description) == testCase.problems)
        }
    }
}

@Suite("Web config files that load, with their defaults")
struct ValidWebConfigTests {
    @Test func emptyFileTurnsNothingOn() throws {
        let config = try loadWeb("empty.yml")
        #expect(config.tls == nil && config.basicAuthUsers.isEmpty && config.rateLimit == nil && config.warnings.isEmpty)
        #expect(config.http.http2 && config.http.headers.isEmpty)
        #expect(config.files.isEmpty)
    }

    @Test func fullFileIsDecodedWithPathsResolvedAgainstItsDirectory() throws {
        let config = try loadWeb("full.yml")
        let tls = try #require(config.tls)
        #expect(tls.certificate.source == .file(webTestdata + "/server.crt"))
        #expect(tls.certificate.place == ConfigPlace(file: "full.yml", line: 2, column: 14, key: "tls_server_config.cert_file"))
        #expect(tls.key.source == .file("/etc/soak/tls/server.key"))
        #expect(tls.clientCA?.source == .file(webTestdata + "/ca.pem"))
        #expect(config.files == [webTestdata + "/server.crt", "/etc/soak/tls/server.key", webTestdata + "/ca.pem"])
        #expect(tls.clientAuth == .requireAndVerifyClientCert)
        #expect(tls.clientAllowedSANs == ["prometheus.monitoring.svc", "10.0.0.7"])
        #expect(tls.minVersion == .tls12 && tls.maxVersion == .tls13)
        #expect(tls.cipherSuites.map(\.id) == [0xC02F, 0xC030])
        #expect(tls.curvePreferences == [.x25519, .p256])
        #expect(config.http.http2 == false)
        // Content-Security-Policy is blank, so it is left out.
        #expect(config.http.headers.map(\.name) == ["X-Frame-Options", "X-Content-Type-Options", "Strict-Transport-Security", "X-XSS-Protection"])
        #expect(config.http.headers.map(\.value) == ["deny", "nosniff", "max-age=31536000; includeSubDomains", "1"])
        #expect(config.basicAuthUsers.map(\.name) == ["prometheus", "alice"])
        #expect(config.basicAuthUsers.map(\.hash.cost) == [10, 10])
        #expect(config.rateLimit?.interval == .milliseconds(100) && config.rateLimit?.burst == 20)
        #expect(config.warnings.isEmpty)
    }

    @Test func everyGoCipherSuiteIsAcceptedAndTheTLS13OnesNeedNoSetting() throws {
        let config = try loadWeb("all-ciphers.yml")
        let tls = try #require(config.tls)
        #expect(tls.certificate.source == .inline("inline certificate text is checked by the daemon, not here"))
        #expect(tls.cipherSuites.count == 14 && !tls.cipherSuites.contains(where: \.isTLS13))
        #expect(tls.curvePreferences == [.p256, .p384, .p521, .x25519])
        #expect(config.warnings.map(\.description) == [
            "all-ciphers.yml:5:21: tls_server_config.client_auth_type: VerifyClientCertIfGiven without client_ca_file verifies client certificates "
                + "against the system's CA store, so a certificate from any public CA passes; set client_ca_file to trust only your own CA",
            "all-ciphers.yml:25:32: tls_server_config.prefer_server_cipher_suites: has no effect: soak's TLS library (BoringSSL) follows the "
                + "client's order, and Go has ignored this key since 1.17; remove it",
            "all-ciphers.yml:27:3: basic_auth_users: the hashes have different bcrypt costs (10, 12), so how long a failed login takes tells "
                + "whether the user exists; hash every password with the same cost",
        ])
    }

    @Test func basicAuthWithoutTLSAndEveryBcryptVariantGoReads() throws {
        let config = try loadWeb("users-only.yml")
        #expect(config.tls == nil)
        #expect(config.basicAuthUsers.map(\.name) == ["alice", "old-apache"])
        #expect(config.basicAuthUsers.map { $0.hash.text.prefix(4) } == ["$2y$", "$2a$"])
        #expect(config.warnings.map(\.description) == [
            "users-only.yml:3:3: basic_auth_users: without tls_server_config, passwords cross the network in clear text; add tls_server_config"
        ])
    }

    @Test func bcryptHashShapeAsGoChecksIt() {
        #expect(BcryptHash.parse("$2b$04$" + String(repeating: "a", count: 53)).map(\.cost) == .success(4))
        #expect(BcryptHash.parse("$2y$31$" + String(repeating: ".", count: 53)).map(\.cost) == .success(31))
        #expect(BcryptHash.parse("$2y$32$" + String(repeating: ".", count: 53)) == .failure(.cost(32)))
        #expect(BcryptHash.parse("$2y$10$" + String(repeating: "!", count: 53)) == .failure(.characters))
        #expect(BcryptHash.parse("$3a$10$" + String(repeating: "a", count: 53)) == .failure(.notBcrypt))
        #expect(BcryptHash.parse("$2c$10$" + String(repeating: "a", count: 53)) == .failure(.unknownVariant("$2c$")))
        #expect(BcryptHash.parse("$2y$1x$" + String(repeating: "a", count: 53)) == .failure(.notBcrypt))
    }
}
