internal import Foundation
internal import SoakConfig

/// One configured request, ready to render and judge: the target's settings merged in, checks
/// compiled, metric handles made.
struct RequestPlan: Sendable {
    let config: RequestConfig
    let metrics: RequestMetrics
    private let prepared: PreparedRequest
    private let checks: [CompiledCheck]

    init(config: RequestConfig, target: TargetConfig, metrics: RequestMetrics, connections: ConnectionTracker) {
        self.config = config
        self.metrics = metrics
        prepared = PreparedRequest(config.request, target: target, connections: connections)
        checks = config.checks.map(CompiledCheck.init)
    }

    /// The request rendered for one send, with the user's credential (which replaces the target's auth) if any.
    func render(_ scope: inout RenderScope, credential: Credential?) -> OutgoingRequest {
        prepared.render(&scope, credential: credential)
    }

    /// The `reason` label of a failed request, or nil when it succeeded.
    func failureReason(_ outcome: HTTPOutcome) -> String? {
        if let failure = outcome.failure { return failure.reason.rawValue }
        guard config.request.expectStatus.accepts(outcome.status) else { return "status" }
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
        let reason = failureReason(outcome)
        metrics.record(outcome, latency: latency, failureReason: reason)
        metrics.recordDetail(outcome, failure: reason.map { ($0, failureMessage(outcome, reason: $0)) })
    }

    /// What a failure with `reason` was, in words: libcurl's message for a transport failure, the
    /// status and what was expected, or the body check that failed.
    func failureMessage(_ outcome: HTTPOutcome, reason: String) -> String {
        if let failure = outcome.failure { return failure.message }
        if reason == "status" { return "HTTP \(outcome.status), expected \(config.request.expectStatus)" }
        if outcome.bodyTruncated { return "the body is longer than max_response_bytes, so the checks cannot read it" }
        let document = try? JSONSerialization.jsonObject(with: Data(outcome.body), options: [.fragmentsAllowed])
        for check in checks where !check.passes(body: outcome.body, document: document) {
            if check.needsJSON, document == nil { return "the body is not JSON" }
            return "check failed: \(check.check)"
        }
        return "a check failed"
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
