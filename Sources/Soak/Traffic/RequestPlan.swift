internal import Foundation
internal import SoakConfig

/// One configured request, ready to render and judge: the target's settings merged in, checks
/// compiled, metric handles made. A class: the event loop hands it around per request, and a
/// reference costs one retain where this many fields would cost a copy each.
final class RequestPlan: Sendable {
    let config: RequestConfig
    let metrics: RequestMetrics
    let status: RequestStatus
    private let prepared: PreparedRequest
    private let checks: [CompiledCheck]

    init(config: RequestConfig, target: TargetConfig, metrics: RequestMetrics, status: RequestStatus, connections: ConnectionTracker) {
        self.config = config
        self.metrics = metrics
        self.status = status
        prepared = PreparedRequest(config.request, target: target, connections: connections)
        checks = config.checks.map(CompiledCheck.init)
    }

    /// The request rendered for one send, with the user's credential (which replaces the target's auth) if any.
    func render(_ scope: inout RenderScope, credential: Credential?) -> OutgoingRequest {
        prepared.render(&scope, credential: credential)
    }

    /// Why a request failed: the `reason` label and what was wrong, or nil when it succeeded.
    func failure(_ outcome: HTTPOutcome) -> (reason: RequestFailureReason, detail: String)? {
        if let failure = outcome.failure { return (.transport(failure.reason), failure.message) }
        guard config.request.expectStatus.accepts(outcome.status) else {
            return (.status, "HTTP \(outcome.status), expected \(config.request.expectStatus)")
        }
        guard !checks.isEmpty else { return nil }
        if outcome.bodyTruncated { return (.check, "the body is longer than max_response_bytes, so it cannot be checked") }
        var document: JSONValue?
        for check in checks {
            if check.needsJSON, document == nil {
                document = try? JSONValue(parsing: outcome.body)
                if document == nil { return (.check, "the body is not JSON") }
            }
            if !check.passes(body: outcome.body, document: document) { return (.check, "check failed: \(check.check)") }
        }
        return nil
    }

    /// Bodies up to this size are judged by the checks on the event loop; larger ones on another
    /// thread, so that parsing one does not delay every other transfer (docs/benchmarks.md).
    static let inlineCheckBytes = 4_096

    /// Whether judging `outcome` means running body checks on a body too large to judge on the loop.
    func judgesSlowly(_ outcome: HTTPOutcome) -> Bool {
        !checks.isEmpty && outcome.body.count > Self.inlineCheckBytes
    }

    /// Records the outcome, judged by ``failure(_:)``, in the request's metrics, a timed run's
    /// recording and the status; `url` is what was requested (its path, without the query, is logged
    /// when the request starts failing).
    func record(_ outcome: HTTPOutcome, latency: Duration, url: String) {
        let failure = failure(outcome)
        metrics.record(outcome, latency: latency, failureReason: failure?.reason)
        metrics.recordDetail(outcome, failure: failure.map { ($0.reason, $0.detail) })
        status.record(
            latency: latency,
            failure: failure.map { FailureReport(reason: $0.reason.label, outcome: outcome, method: config.request.method, url: url, detail: $0.detail) })
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

    func passes(body: [UInt8], document: JSONValue?) -> Bool {
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
    static func matches(_ value: JSONValue, _ expected: String) -> Bool {
        switch value {
        case .string(let string):
            return string == expected
        case .null:
            return expected == "null"
        case .bool(let flag):
            return (flag ? "true" : "false") == expected
        case .number(let number):
            return Double(expected) == number.double
        case .array, .object:
            return false
        }
    }
}
