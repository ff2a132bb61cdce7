internal import Foundation
internal import SoakConfig

/// A configured request on its target, ready to render: the target's headers, auth, TLS, timeouts,
/// redirect rule and body cap merged with the request's method, timeout and constant headers once.
struct PreparedRequest: Sendable {
    let config: HTTPRequestConfig
    /// Everything about the request that is the same on every send.
    private let base: OutgoingRequest
    /// The whole URL when neither the path nor the query holds an expression: encoded once, not per send.
    private let constantURL: String?

    /// Characters left as written in a rendered path: those of paths and queries, and `%` escapes.
    private static let pathAllowed: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.formUnion(.urlQueryAllowed)
        allowed.insert("%")
        return allowed
    }()
    private static let queryValueAllowed: CharacterSet = {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;#")
        return allowed
    }()

    init(_ config: HTTPRequestConfig, target: TargetConfig, connections: ConnectionTracker?) {
        self.config = config
        var base = OutgoingRequest(target: target, method: config.method, url: target.url, timeout: config.timeout)
        if case .json = config.body, !config.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            base.headers.append("Content-Type: application/json")
        }
        base.connections = connections
        self.base = base
        if config.path.constantText != nil, config.query.allSatisfy({ $0.value.constantText != nil }) {
            var scope = RenderScope(random: SeededRandom(seed: 0), user: nil, pools: [:], now: Date())
            constantURL = Self.url(base: base.url, config: config, scope: &scope)
        } else {
            constantURL = nil
        }
    }

    /// The request's URL: the target's, the path percent-encoded, and the query.
    private static func url(base: String, config: HTTPRequestConfig, scope: inout RenderScope) -> String {
        var url = base + (config.path.render(&scope).addingPercentEncoding(withAllowedCharacters: Self.pathAllowed) ?? "")
        if !config.query.isEmpty {
            let pairs = config.query.map { parameter in
                let value = parameter.value.render(&scope).addingPercentEncoding(withAllowedCharacters: Self.queryValueAllowed) ?? ""
                let name = parameter.name.addingPercentEncoding(withAllowedCharacters: Self.queryValueAllowed) ?? parameter.name
                return "\(name)=\(value)"
            }
            url += (url.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
        }
        return url
    }

    /// The request rendered for one send, with a virtual user's credential (which replaces the target's auth) if any.
    func render(_ scope: inout RenderScope, credential: Credential? = nil) -> OutgoingRequest {
        var request = base
        request.url = constantURL ?? Self.url(base: base.url, config: config, scope: &scope)
        for header in config.headers {
            let value = header.value.render(&scope).replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            request.headers.append("\(header.name): \(value)")
        }
        switch config.body {
        case .json(let template): request.body = template.render(&scope)
        case .raw(let template): request.body = Array(template.render(&scope).utf8)
        case nil: break
        }
        switch credential {
        case .bearer(let token)?:
            request.headers.removeAll { $0.lowercased().hasPrefix("authorization:") }
            request.headers.append("Authorization: Bearer \(token.value)")
        case .basic(let username, let password)?:
            request.headers.removeAll { $0.lowercased().hasPrefix("authorization:") }
            request.basicAuth = (username, password.value)
        case nil:
            break
        }
        return request
    }
}

extension OutgoingRequest {
    /// A request to `url` with `target`'s headers, auth, TLS, redirect rule, body cap and timeouts
    /// (`timeout` overriding the target's).
    init(target: TargetConfig, method: String, url: String, timeout: Duration?) {
        self.init(method: method, url: url)
        headers = target.headers.map { "\($0.name): \($0.value)" }
        switch target.auth {
        case .bearer(let token): headers.append("Authorization: Bearer \(token.value)")
        case .basic(let username, let password): basicAuth = (username, password.value)
        case nil: break
        }
        self.timeout = timeout ?? target.timeout
        connectTimeout = min(target.connectTimeout, self.timeout)
        followRedirects = target.followRedirects
        maxResponseBytes = target.maxResponseBytes
        if let tls = target.tls {
            self.tls = .init(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, insecureSkipVerify: tls.insecureSkipVerify)
        }
    }
}
