internal import Foundation
internal import SoakConfig

/// One configured request, ready to render and judge: the target's settings merged in, checks
/// compiled, metric handles made.
struct RequestPlan: Sendable {
    let config: RequestConfig
    let metrics: RequestMetrics
    /// Everything about the request that is the same on every send: method, static headers, the
    /// target's auth, TLS, timeouts, redirects, body cap and connection tracker.
    private let base: OutgoingRequest
    private let checks: [CompiledCheck]

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

    init(config: RequestConfig, target: TargetConfig, metrics: RequestMetrics, connections: ConnectionTracker) {
        self.config = config
        self.metrics = metrics
        var base = OutgoingRequest(method: config.method, url: target.url)
        base.headers = target.headers.map { "\($0.name): \($0.value)" }
        switch target.auth {
        case .bearer(let token): base.headers.append("Authorization: Bearer \(token.value)")
        case .basic(let username, let password): base.basicAuth = (username, password.value)
        case nil: break
        }
        if case .json = config.body, !config.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            base.headers.append("Content-Type: application/json")
        }
        base.timeout = config.timeout ?? target.timeout
        base.connectTimeout = min(target.connectTimeout, base.timeout)
        base.followRedirects = target.followRedirects
        base.maxResponseBytes = target.maxResponseBytes
        if let tls = target.tls {
            base.tls = .init(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, insecureSkipVerify: tls.insecureSkipVerify)
        }
        base.connections = connections
        self.base = base
        checks = config.checks.map(CompiledCheck.init)
    }

    /// The request rendered for one send, with the user's credential (which replaces the target's auth) if any.
    func render(_ scope: inout RenderScope, credential: Credential?) -> OutgoingRequest {
        var url = base.url + (config.path.render(&scope).addingPercentEncoding(withAllowedCharacters: Self.pathAllowed) ?? "")
        if !config.query.isEmpty {
            let pairs = config.query.map { parameter in
                let value = parameter.value.render(&scope).addingPercentEncoding(withAllowedCharacters: Self.queryValueAllowed) ?? ""
                let name = parameter.name.addingPercentEncoding(withAllowedCharacters: Self.queryValueAllowed) ?? parameter.name
                return "\(name)=\(value)"
            }
            url += (url.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
        }
        var request = base
        request.url = url
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

    /// The `reason` label of a failed request, or nil when it succeeded.
    func failureReason(_ outcome: HTTPOutcome) -> String? {
        if let failure = outcome.failure { return failure.reason }
        guard config.expectStatus.accepts(outcome.status) else { return "status" }
        guard !checks.isEmpty else { return nil }
        if outcome.bodyTruncated { return "check" }
        var document: Any?
        for check in checks {
            if check.needsJSON, document == nil {
                document = try? JSONSerialization.jsonObject(with: Data(outcome.body), options: [.fragmentsAllowed])
                if document == nil { return "check" }
            }
            if !check.passes(body: outcome.body, document: document) { return "check" }
        }
        return nil
    }

    /// Records the outcome, judged by `failureReason`, in the request's metrics.
    func record(_ outcome: HTTPOutcome, latency: Duration) {
        metrics.record(outcome, latency: latency, failureReason: failureReason(outcome))
    }
}

/// A body check with its regular expression compiled.
struct CompiledCheck: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented as safe to share between threads.
    let check: RequestConfig.BodyCheck
    private let regex: NSRegularExpression?

    init(_ check: RequestConfig.BodyCheck) {
        self.check = check
        if case .regex(let pattern) = check { regex = try? NSRegularExpression(pattern: pattern) } else { regex = nil }
    }

    var needsJSON: Bool {
        if case .regex = check { return false }
        return true
    }

    func passes(body: [UInt8], document: Any?) -> Bool {
        switch check {
        case .jsonExists(let path):
            return document.flatMap { path.value(in: $0) } != nil
        case .jsonEquals(let path, let expected):
            guard let document, let value = path.value(in: document) else { return false }
            return Self.matches(value, expected)
        case .regex:
            let text = String(decoding: body, as: UTF8.self)
            return regex?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// Whether a JSON value equals the config's text: strings exactly, numbers numerically, booleans and null by name.
    static func matches(_ value: Any, _ expected: String) -> Bool {
        switch value {
        case let string as String:
            return string == expected
        case is NSNull:
            return expected == "null"
        case let number as NSNumber:
            let type = String(cString: number.objCType)
            if type == "c" || type == "B" { return (number.boolValue ? "true" : "false") == expected }
            return Double(expected) == number.doubleValue
        case let count as Int:
            return Double(expected) == Double(count)
        default:
            return false
        }
    }
}
