/// `client_auth_type`: how the server asks for client certificates, named as Go's `tls.ClientAuthType`.
public enum ClientAuthType: String, Sendable, CaseIterable {
    /// No certificate is asked for (the default).
    case noClientCert = "NoClientCert"
    /// A certificate is asked for; none is required and a given one is not verified.
    case requestClientCert = "RequestClientCert"
    /// A certificate is required; it is not verified.
    case requireAnyClientCert = "RequireAnyClientCert"
    /// A certificate is optional; a given one must verify against the client CA.
    case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
    /// A certificate is required and must verify against the client CA: the only mode that authenticates clients.
    case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

    /// Parses a value as exporter-toolkit does, including its old spelling `RequireClientCert`.
    init?(configValue: String) {
        if configValue == "RequireClientCert" {
            self = .requireAnyClientCert
            return
        }
        self.init(rawValue: configValue)
    }

    /// Whether the server asks the client for a certificate at all.
    public var asksForCertificate: Bool { self != .noClientCert }
    /// Whether a connection without a client certificate is refused.
    public var requiresCertificate: Bool { self == .requireAnyClientCert || self == .requireAndVerifyClientCert }
    /// Whether a given client certificate is checked against the client CA.
    public var verifiesCertificate: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
}

/// `min_version` and `max_version`: a TLS protocol version, named as exporter-toolkit names them.
public enum TLSProtocolVersion: String, Sendable, CaseIterable, Comparable {
    case tls10 = "TLS10"
    case tls11 = "TLS11"
    case tls12 = "TLS12"
    case tls13 = "TLS13"

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One entry of `cipher_suites`: the cipher suites Go's `tls.CipherSuites()` offers, by their Go name
/// and IANA number. TLS 1.3 suites cannot be chosen (in Go as in BoringSSL, all three are always on).
public struct TLSCipherSuite: Sendable, Equatable {
    /// The name as written in the web config file, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.
    public let name: String
    /// The IANA cipher suite number.
    public let id: UInt16

    /// Whether this is one of the three TLS 1.3 suites.
    public var isTLS13: Bool { (id >> 8) == 0x13 }

    /// Every suite a web config file may name, in Go's order (by number).
    public static let all: [TLSCipherSuite] = [
        .init(name: "TLS_RSA_WITH_AES_128_CBC_SHA", id: 0x002F),
        .init(name: "TLS_RSA_WITH_AES_256_CBC_SHA", id: 0x0035),
        .init(name: "TLS_RSA_WITH_AES_128_GCM_SHA256", id: 0x009C),
        .init(name: "TLS_RSA_WITH_AES_256_GCM_SHA384", id: 0x009D),
        .init(name: "TLS_AES_128_GCM_SHA256", id: 0x1301),
        .init(name: "TLS_AES_256_GCM_SHA384", id: 0x1302),
        .init(name: "TLS_CHACHA20_POLY1305_SHA256", id: 0x1303),
        .init(name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", id: 0xC009),
        .init(name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", id: 0xC00A),
        .init(name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", id: 0xC013),
        .init(name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", id: 0xC014),
        .init(name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", id: 0xC02B),
        .init(name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", id: 0xC02C),
        .init(name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", id: 0xC02F),
        .init(name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", id: 0xC030),
        .init(name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", id: 0xCCA8),
        .init(name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", id: 0xCCA9),
    ]

    /// The suites HTTP/2 requires when TLS 1.2 is allowed (RFC 7540 section 9.2.2); Go refuses a list without one.
    public static let http2Required = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
}

/// One entry of `curve_preferences`: an elliptic curve for ECDHE, named as exporter-toolkit names it.
public enum TLSCurve: String, Sendable, CaseIterable {
    case p256 = "CurveP256"
    case p384 = "CurveP384"
    case p521 = "CurveP521"
    case x25519 = "X25519"

    /// The TLS named-group number.
    public var id: UInt16 {
        switch self {
        case .p256: 0x17
        case .p384: 0x18
        case .p521: 0x19
        case .x25519: 0x1D
        }
    }
}
