internal import Foundation
internal import NIOCore
internal import NIOSSL
internal import SoakConfig
internal import SwiftASN1
internal import X509

/// `tls_server_config` once the files it names are read and the TLS library has accepted them: what
/// each new connection is set up with.
struct TLSServerSetup: Sendable {
    /// The configuration BoringSSL (through swift-nio-ssl) builds each connection's context from.
    let configuration: TLSConfiguration
    /// Whether any client certificate is accepted unverified (RequestClientCert, RequireAnyClientCert):
    /// BoringSSL asks for one only when it verifies, so a callback that accepts every chain stands in.
    let acceptsAnyClientCertificate: Bool
    /// SANs one of which a client certificate must carry; empty when any will do.
    let allowedSANs: [String]
    /// The certificate served (the chain's first), for the expiry metric and the logs.
    let servedCertificate: Certificate

    /// For RequestClientCert and RequireAnyClientCert: accepts whatever certificate the client presents.
    var verificationCallback: (@Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResult>) -> Void)? {
        guard acceptsAnyClientCertificate else { return nil }
        return { _, promise in promise.succeed(.certificateVerified) }
    }

    /// Reads the certificate, key and client CA through `files`, builds the TLS configuration and has
    /// the TLS library load it; every problem is reported at the key it came from.
    static func load(_ config: TLSServerConfig, files: FileReads, warnings: inout [ConfigProblem]) throws(ConfigError) -> TLSServerSetup {
        var problems: [ConfigProblem] = []
        let chain = certificates(config.certificate, what: "certificate", files: files, problems: &problems)
        let key = privateKey(config.key, files: files, problems: &problems)
        let clientCA = config.clientCA.map { certificates($0, what: "CA certificate", files: files, problems: &problems) }
        guard problems.isEmpty, let chain, let leaf = chain.first, let key else { throw ConfigError(problems: problems) }
        let served: Certificate
        do {
            served = try Certificate(derEncoded: leaf.toDERBytes())
        } catch {
            throw ConfigError(problems: [config.certificate.place.problem("the certificate cannot be read as X.509: \(error)")])
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = version(config.minVersion)
        tls.maximumTLSVersion = version(config.maxVersion)
        if !config.cipherSuites.isEmpty { tls.cipherSuiteValues = config.cipherSuites.map { NIOTLSCipher(rawValue: $0.id) } }
        if !config.curvePreferences.isEmpty { tls.curves = config.curvePreferences.map { NIOTLSCurve(rawValue: $0.id) } }
        let trusted: NIOSSLTrustRoots = clientCA.map { .certificates($0 ?? []) } ?? .default
        switch config.clientAuth {
        case .noClientCert:
            tls.certificateVerification = .none
        case .requestClientCert, .verifyClientCertIfGiven:
            tls.certificateVerification = .optionalVerification
        case .requireAnyClientCert, .requireAndVerifyClientCert:
            tls.certificateVerification = .noHostnameVerification
        }
        let acceptsAny = config.clientAuth.asksForCertificate && !config.clientAuth.verifiesCertificate
        // An unverified certificate needs no trust store: an empty one keeps the system's from being read.
        tls.trustRoots = acceptsAny ? .certificates(clientCA.flatMap { $0 } ?? []) : trusted
        tls.sendCANameList = clientCA != nil
        tls.applicationProtocols = ["http/1.1"]
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw ConfigError(problems: [rejection(error, config: config)])
        }
        let now = Date()
        if served.notValidAfter < now {
            warnings.append(config.certificate.place.problem("the certificate expired on \(served.notValidAfter.formatted(.iso8601)); clients will refuse it"))
        } else if served.notValidBefore > now {
            warnings.append(
                config.certificate.place.problem("the certificate is valid only from \(served.notValidBefore.formatted(.iso8601)); clients will refuse it until then"))
        }
        return TLSServerSetup(configuration: tls, acceptsAnyClientCertificate: acceptsAny, allowedSANs: config.clientAllowedSANs, servedCertificate: served)
    }

    private static func version(_ version: TLSProtocolVersion) -> TLSVersion {
        switch version {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }

    /// The PEM text of a setting: inline, or read from its file.
    private static func text(_ setting: TLSServerConfig.PEMSetting, files: FileReads, problems: inout [ConfigProblem]) -> (text: String, name: String)? {
        switch setting.source {
        case .inline(let text):
            return (text, "the PEM text")
        case .file(let path):
            switch files.read(path) {
            case .success(let text):
                return (text, "\"\(path)\"")
            case .failure(let failure):
                let hint = failure.reason == "not UTF-8 text" ? " (it must be PEM, not DER)" : ""
                problems.append(setting.place.problem("cannot read \"\(path)\": \(failure.reason)\(hint)"))
                return nil
            }
        }
    }

    private static func certificates(
        _ setting: TLSServerConfig.PEMSetting, what: String, files: FileReads, problems: inout [ConfigProblem]
    ) -> [NIOSSLCertificate]? {
        guard let (text, name) = text(setting, files: files, problems: &problems) else { return nil }
        let certificates = (try? NIOSSLCertificate.fromPEMBytes(Array(text.utf8))) ?? []
        guard !certificates.isEmpty else {
            problems.append(setting.place.problem("\(name) holds no readable PEM \(what) (-----BEGIN CERTIFICATE-----)"))
            return nil
        }
        return certificates
    }

    private static func privateKey(_ setting: TLSServerConfig.PEMSetting, files: FileReads, problems: inout [ConfigProblem]) -> NIOSSLPrivateKey? {
        guard let (text, name) = text(setting, files: files, problems: &problems) else { return nil }
        if text.contains("ENCRYPTED") {
            problems.append(
                setting.place.problem("\(name) holds an encrypted private key, and the web config has no passphrase; decrypt it with openssl pkey"))
            return nil
        }
        guard let key = try? NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem) else {
            problems.append(setting.place.problem("\(name) holds no readable PEM private key (-----BEGIN PRIVATE KEY-----)"))
            return nil
        }
        return key
    }

    /// The TLS library's refusal of a configuration whose parts each loaded, placed at the likeliest key.
    private static func rejection(_ error: any Error, config: TLSServerConfig) -> ConfigProblem {
        // Each part loaded on its own, so a key BoringSSL will not use is one that does not match the certificate.
        if case NIOSSLError.failedToLoadPrivateKey = error {
            return config.key.place.problem("this private key does not belong to the certificate in \(config.certificate.place.key)")
        }
        return config.certificate.place.problem("the TLS library (BoringSSL) refused the certificate, key and settings: \(error)")
    }
}
