internal import Foundation
internal import Yams

/// A `--web.config.file`: prometheus/exporter-toolkit's web configuration format (TLS, client
/// certificates, HTTP/2 and headers, basic auth users, rate limit), decoded and validated.
///
/// This checks the file's own content. Loading the certificates and keys it names, and building the
/// TLS context from them, is the daemon's part (``Soak/WebSecurity``), which reports its problems at
/// the places kept here.
public struct WebConfigFile: Sendable {
    /// The file, as given.
    public let path: String
    /// TLS settings; nil when TLS is off (plain HTTP).
    public let tls: TLSServerConfig?
    public let http: HTTPServerConfig
    /// The users that may log in; empty when no basic auth is required.
    public let basicAuthUsers: [BasicAuthUser]
    /// The rate limit; nil when there is none.
    public let rateLimit: RateLimitConfig?
    /// Things that load but deserve a look (a key without effect, a weak setting), as positioned problems.
    public let warnings: [ConfigProblem]

    static let keys = ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"]

    /// The files the config names (certificates, keys, CAs), which the daemon watches with the config itself.
    public var files: [String] { tls?.files ?? [] }

    /// The directory relative paths in the file at `path` are resolved against.
    public static func directory(of path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let directory = (absolute as NSString).deletingLastPathComponent
        return directory.isEmpty ? "/" : directory
    }

    /// Loads a web config from `yaml`, naming `file` in problems and resolving relative paths against `baseDirectory`.
    public static func parse(yaml: String, file: String, baseDirectory: String) throws(ConfigError) -> WebConfigFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(problems: [ConfigLoader.problem(from: error, file: file)])
        } catch {
            throw ConfigError(problems: [ConfigProblem(file: file, line: nil, column: nil, message: "invalid YAML: \(error)")])
        }
        guard let root, !root.isNull else {
            return WebConfigFile(path: file, tls: nil, http: HTTPServerConfig(), basicAuthUsers: [], rateLimit: nil, warnings: [])
        }
        let reader = ConfigReader(file: file, baseDirectory: baseDirectory, environment: [:])
        guard let fields = reader.mapping(root, path: "", known: keys) else {
            throw ConfigError(problems: reader.problems)
        }
        var warnings: [ConfigProblem] = []
        let tls = TLSServerConfig.parse(fields["tls_server_config"], reader: reader, warnings: &warnings)
        let http = HTTPServerConfig(fields["http_server_config"], reader: reader)
        let users = BasicAuthUser.parseAll(fields["basic_auth_users"], reader: reader, warnings: &warnings)
        let rateLimit = RateLimitConfig.parse(fields["rate_limit"], reader: reader)
        if case .on(let tls) = tls, let http, http.http2, !tls.cipherSuites.isEmpty, tls.minVersion < .tls13,
            !tls.cipherSuites.contains(where: { TLSCipherSuite.http2Required.contains($0.name) })
        {
            reader.report(
                "tls_server_config.cipher_suites: HTTP/2 (http_server_config.http2, on by default) needs "
                    + "\(TLSCipherSuite.http2Required.joined(separator: " or ")) when TLS 1.2 is allowed (RFC 7540 section 9.2.2); "
                    + "add one, or set http_server_config.http2: false", at: (fields["tls_server_config"]?.mapping?["cipher_suites"]) ?? root)
        }
        guard reader.problems.isEmpty, let http, let users else {
            throw ConfigError(problems: ConfigLoader.inFileOrder(reader.problems))
        }
        if case .off = tls, !users.isEmpty, let node = fields["basic_auth_users"] {
            warnings.append(
                reader.place(node, key: "basic_auth_users").problem(
                    "without tls_server_config, passwords cross the network in clear text; add tls_server_config"))
        }
        var tlsConfig: TLSServerConfig?
        if case .on(let config) = tls { tlsConfig = config }
        return WebConfigFile(
            path: file, tls: tlsConfig, http: http, basicAuthUsers: users, rateLimit: rateLimit,
            warnings: ConfigLoader.inFileOrder(warnings))
    }
}
