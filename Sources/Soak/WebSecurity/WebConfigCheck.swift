internal import Foundation
internal import SoakConfig
internal import X509

/// `soak check-config --web.config.file PATH`: loads the web config as the daemon does (certificates,
/// keys and CAs through the TLS library, hashes checked for shape) and says what it would do.
public enum WebConfigCheck {
    /// What to print: the problems, or `PATH: OK`, a summary and the warnings.
    public static func run(file path: String) -> (valid: Bool, lines: [String]) {
        switch LoadedWebConfig.load(path: path).result {
        case .failure(let error):
            return (false, error.problems.map(\.description))
        case .success(let loaded):
            let warnings = loaded.warnings.map { ConfigProblem(file: $0.file, line: $0.line, column: $0.column, message: "warning: \($0.message)") }
            return (true, ["\(path): OK"] + summary(loaded).map { "  \($0)" } + warnings.map(\.description))
        }
    }

    static func summary(_ loaded: LoadedWebConfig) -> [String] {
        var lines: [String] = []
        let file = loaded.file
        if let tls = loaded.tls, let config = file.tls {
            let certificate = tls.servedCertificate
            lines.append(
                "TLS: \(config.minVersion.rawValue) to \(config.maxVersion.rawValue), HTTP/2 \(file.http.http2 ? "on" : "off"); certificate \(certificate.subject), "
                    + "valid until \(certificate.notValidAfter.formatted(.iso8601))")
            var clients = "client certificates: \(config.clientAuth.rawValue)"
            if config.clientAuth.verifiesCertificate {
                clients += config.clientCA == nil ? ", verified against the system's CA store" : ", verified against \(config.clientCA!.place.key)"
            }
            if !config.clientAllowedSANs.isEmpty { clients += "; allowed SANs: \(config.clientAllowedSANs.joined(separator: ", "))" }
            lines.append(clients)
            if !config.cipherSuites.isEmpty { lines.append("cipher suites (TLS 1.2 and older): \(config.cipherSuites.map(\.name).joined(separator: ", "))") }
            if !config.curvePreferences.isEmpty { lines.append("curves: \(config.curvePreferences.map(\.rawValue).joined(separator: ", "))") }
        } else {
            lines.append("TLS: off (plain HTTP)")
        }
        if file.basicAuthUsers.isEmpty {
            lines.append("basic auth: off")
        } else {
            let costs = Set(file.basicAuthUsers.map(\.hash.cost)).sorted().map(String.init).joined(separator: ", ")
            lines.append(
                "basic auth: \(file.basicAuthUsers.count) user(s) (\(file.basicAuthUsers.map(\.name).joined(separator: ", "))), bcrypt cost \(costs); "
                    + "/healthz and /readyz answer without credentials")
        }
        if !file.http.headers.isEmpty { lines.append("headers: \(file.http.headers.map(\.name).joined(separator: ", "))") }
        if let limit = file.rateLimit {
            lines.append("rate limit: bursts of \(limit.burst), one more request every \(DurationSyntax.format(limit.interval))")
        }
        return lines
    }
}
