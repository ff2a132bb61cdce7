internal import Yams

/// `tls_server_config` of a web config file: the server certificate, the client-certificate policy,
/// and the protocol versions, cipher suites and curves allowed. Present only when TLS is on.
public struct TLSServerConfig: Sendable {
    /// PEM text written in the file, or a file holding it.
    public enum PEMSource: Sendable, Equatable {
        case file(String)
        case inline(String)
    }

    /// A PEM value and the key it was given under.
    public struct PEMSetting: Sendable {
        public let source: PEMSource
        public let place: ConfigPlace
    }

    /// The server certificate (`cert_file` or `cert`), leaf first, then any intermediates.
    public let certificate: PEMSetting
    /// The server's private key (`key_file` or `key`).
    public let key: PEMSetting
    /// The CA client certificates are verified against (`client_ca_file` or `client_ca`); the
    /// system's CA store when a verifying `client_auth_type` has none, as in exporter-toolkit.
    public let clientCA: PEMSetting?
    /// How client certificates are asked for and checked.
    public let clientAuth: ClientAuthType
    /// When not empty, a client certificate must carry one of these as a DNS, IP, e-mail or URI SAN.
    public let clientAllowedSANs: [String]
    public let minVersion: TLSProtocolVersion
    public let maxVersion: TLSProtocolVersion
    /// The TLS 1.2 and older suites allowed, in the order written; empty for the library's default.
    public let cipherSuites: [TLSCipherSuite]
    /// The ECDHE curves allowed, in preference order; empty for the library's default.
    public let curvePreferences: [TLSCurve]

    static let keys = [
        "cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file", "client_allowed_sans",
        "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites", "curve_preferences",
    ]
    /// The keys whose presence turns TLS on, as in exporter-toolkit.
    static let enablingKeys = ["cert", "key", "client_ca", "cert_file", "key_file", "client_ca_file", "client_auth_type"]

    /// The files this section reads, which the daemon watches for changes.
    public var files: [String] {
        [certificate, key, clientCA].compactMap { setting in
            if case .file(let path)? = setting?.source { return path }
            return nil
        }
    }

    /// The section's outcome: TLS off, TLS on, or invalid (problems reported).
    enum Parsed {
        case off
        case on(TLSServerConfig)
        case invalid
    }

    static func parse(_ node: Node?, reader: ConfigReader, warnings: inout [ConfigProblem]) -> Parsed {
        guard let node, !node.isNull else { return .off }
        guard let fields = reader.mapping(node, path: "tls_server_config", known: keys) else { return .invalid }
        let before = reader.problems.count
        guard enablingKeys.contains(where: { fields[$0] != nil }) else {
            for entry in fields.entries where fields[entry.key] != nil {
                reader.report(
                    "\(fields.path(entry.key)): TLS is off because tls_server_config has no cert_file and key_file, so this does nothing; "
                        + "add cert_file and key_file, or remove it", at: entry.keyNode)
            }
            return reader.problems.count == before ? .off : .invalid
        }
        let certificate = pem(fields, fileKey: "cert_file", inlineKey: "cert", what: "the server certificate", reader: reader, required: true)
        let key = pem(fields, fileKey: "key_file", inlineKey: "key", what: "the server's private key", reader: reader, required: true)
        let clientCA = pem(fields, fileKey: "client_ca_file", inlineKey: "client_ca", what: "the client CA", reader: reader, required: false)

        var clientAuth = ClientAuthType.noClientCert
        var clientAuthKnown = true
        if let node = fields["client_auth_type"] {
            let names = ClientAuthType.allCases.map { ($0.rawValue, $0) }
            if let text = node.scalar?.string, let value = ClientAuthType(configValue: text) {
                clientAuth = value
            } else {
                clientAuthKnown = false
                _ = reader.choice(node, path: fields.path("client_auth_type"), what: "client_auth_type", names)
            }
        }
        if case .present(let ca) = clientCA, clientAuthKnown, !clientAuth.asksForCertificate {
            reader.report(
                "\(ca.place.key): a client CA does nothing while client_auth_type is \(clientAuth.rawValue); "
                    + "set client_auth_type: RequireAndVerifyClientCert (or VerifyClientCertIfGiven)",
                at: fields["client_ca_file"] ?? fields["client_ca"])
        }
        if clientAuth.verifiesCertificate, case .absent = clientCA, let node = fields["client_auth_type"] {
            warnings.append(
                reader.place(node, key: fields.path("client_auth_type")).problem(
                    "\(clientAuth.rawValue) without client_ca_file verifies client certificates against the system's CA store, "
                        + "so a certificate from any public CA passes; set client_ca_file to trust only your own CA"))
        }

        let sans = allowedSANs(fields, clientAuth: clientAuthKnown ? clientAuth : .requireAndVerifyClientCert, reader: reader)
        let (minVersion, maxVersion) = versions(fields, reader: reader)
        let suites = cipherSuites(fields, minVersion: minVersion, maxVersion: maxVersion, reader: reader)
        var curves: [TLSCurve] = []
        if let node = fields["curve_preferences"], let items = reader.literalList(node, path: fields.path("curve_preferences")) {
            for (index, item) in items.enumerated() {
                let names = TLSCurve.allCases.map { ($0.rawValue, $0) }
                if let curve = reader.choice(item.node, path: fields.path("curve_preferences[\(index)]"), what: "curve", names) {
                    curves.append(curve)
                }
            }
        }
        if let node = fields["prefer_server_cipher_suites"], reader.bool(node, path: fields.path("prefer_server_cipher_suites")) != nil {
            warnings.append(
                reader.place(node, key: fields.path("prefer_server_cipher_suites")).problem(
                    "has no effect: soak's TLS library (BoringSSL) follows the client's order, and Go has ignored this key since 1.17; remove it"))
        }
        guard reader.problems.count == before, case .present(let certificate) = certificate, case .present(let key) = key, let sans else {
            return .invalid
        }
        return .on(
            TLSServerConfig(
                certificate: certificate, key: key, clientCA: clientCA.setting, clientAuth: clientAuth,
                clientAllowedSANs: sans, minVersion: minVersion, maxVersion: maxVersion, cipherSuites: suites, curvePreferences: curves))
    }

    /// What a file-or-inline pair of keys gave.
    private enum PEMLookup {
        case absent
        case present(PEMSetting)
        case invalid

        var setting: PEMSetting? {
            if case .present(let setting) = self { return setting }
            return nil
        }
    }

    /// `fileKey` or `inlineKey`: at most one of them, and one when `required`.
    private static func pem(
        _ fields: Fields, fileKey: String, inlineKey: String, what: String, reader: ConfigReader, required: Bool
    ) -> PEMLookup {
        switch (fields[fileKey], fields[inlineKey]) {
        case (nil, nil):
            guard required else { return .absent }
            reader.report("tls_server_config: missing \(fileKey) (or \(inlineKey)): \(what), in PEM", at: fields.node)
            return .invalid
        case (.some, .some(let inlineNode)):
            reader.report("\(fields.path(inlineKey)): set either \(fileKey) or \(inlineKey), not both", at: inlineNode)
            return .invalid
        case (.some(let node), nil):
            guard let path = reader.literal(node, path: fields.path(fileKey)) else { return .invalid }
            guard !path.isEmpty else {
                reader.report("\(fields.path(fileKey)): must not be empty; name the PEM file holding \(what)", at: node)
                return .invalid
            }
            let resolved = path.hasPrefix("/") ? path : reader.baseDirectory + "/" + path
            return .present(PEMSetting(source: .file(resolved), place: reader.place(node, key: fields.path(fileKey))))
        case (nil, .some(let node)):
            guard let text = reader.literal(node, path: fields.path(inlineKey)) else { return .invalid }
            guard !text.isEmpty else {
                reader.report("\(fields.path(inlineKey)): must not be empty; write \(what) in PEM", at: node)
                return .invalid
            }
            return .present(PEMSetting(source: .inline(text), place: reader.place(node, key: fields.path(inlineKey))))
        }
    }

    private static func allowedSANs(_ fields: Fields, clientAuth: ClientAuthType, reader: ConfigReader) -> [String]? {
        guard let node = fields["client_allowed_sans"] else { return [] }
        let path = fields.path("client_allowed_sans")
        guard let items = reader.literalList(node, path: path) else { return nil }
        guard !items.isEmpty else {
            reader.report("\(path): an empty list would refuse every client; list the allowed SANs, or remove the key", at: node)
            return nil
        }
        guard clientAuth.asksForCertificate else {
            reader.report(
                "\(path): needs a client certificate to check, but client_auth_type is \(clientAuth.rawValue); "
                    + "set client_auth_type: RequireAndVerifyClientCert", at: node)
            return nil
        }
        return items.map(\.text)
    }

    private static func versions(_ fields: Fields, reader: ConfigReader) -> (TLSProtocolVersion, TLSProtocolVersion) {
        let names = TLSProtocolVersion.allCases.map { ($0.rawValue, $0) }
        var minimum = TLSProtocolVersion.tls12
        var maximum = TLSProtocolVersion.tls13
        if let node = fields["min_version"], let value = reader.choice(node, path: fields.path("min_version"), what: "TLS version", names) {
            minimum = value
        }
        if let node = fields["max_version"], let value = reader.choice(node, path: fields.path("max_version"), what: "TLS version", names) {
            maximum = value
        }
        if minimum > maximum, let node = fields["min_version"] ?? fields["max_version"] {
            reader.report(
                "tls_server_config: min_version \(minimum.rawValue) is above max_version \(maximum.rawValue), so no client could connect; "
                    + "lower min_version or raise max_version", at: node)
        }
        return (minimum, maximum)
    }

    private static func cipherSuites(
        _ fields: Fields, minVersion: TLSProtocolVersion, maxVersion: TLSProtocolVersion, reader: ConfigReader
    ) -> [TLSCipherSuite] {
        guard let node = fields["cipher_suites"] else { return [] }
        let path = fields.path("cipher_suites")
        guard let items = reader.literalList(node, path: path) else { return [] }
        var suites: [(suite: TLSCipherSuite, node: Node)] = []
        for (index, item) in items.enumerated() {
            let names = TLSCipherSuite.all.map { ($0.name, $0) }
            if let suite = reader.choice(item.node, path: "\(path)[\(index)]", what: "cipher suite", names) {
                suites.append((suite, item.node))
            }
        }
        guard suites.count == items.count, !suites.isEmpty else { return [] }
        let tls13 = suites.filter(\.suite.isTLS13)
        let all13 = Set(TLSCipherSuite.all.filter(\.isTLS13).map(\.id))
        if let first = tls13.first, maxVersion == .tls13, Set(tls13.map(\.suite.id)) != all13 {
            reader.report(
                "\(path): TLS 1.3 suites cannot be chosen: BoringSSL, like Go, always offers TLS_AES_128_GCM_SHA256, "
                    + "TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256; list all three or none", at: first.node)
        }
        let older = suites.filter { !$0.suite.isTLS13 }.map(\.suite)
        if older.isEmpty, minVersion < .tls13 {
            reader.report(
                "\(path): names only TLS 1.3 suites, so TLS 1.2 and older connections would have no cipher suite; "
                    + "add TLS 1.2 suites, or set min_version: TLS13", at: node)
        }
        return older
    }
}
