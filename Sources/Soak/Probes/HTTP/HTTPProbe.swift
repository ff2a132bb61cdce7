internal import Foundation
internal import Logging
internal import SoakConfig

/// An HTTP probe kind (ingestion, task, JSON values): a ``Prober`` made from its config section's
/// entry, whose failures are ``HTTPProbeReason``s shown in the kind's own error family.
protocol HTTPProbe: Prober, Sendable where Reason == HTTPProbeReason {
    associatedtype Config: Sendable
    init(config: Config, context: HTTPProbeContext)
    /// The probe's success gauge (if its kind has one), error counter and status, from its kind's families.
    static func telemetry(_ config: Config, context: HTTPProbeContext) -> ProbeTelemetry<HTTPProbeReason>
}

/// Why an HTTP probe's request or round failed: the `reason` label of the HTTP probe families.
enum HTTPProbeReason: FailureReason {
    /// No complete answer came.
    case transport(TransportFailure.Reason)
    /// The answer's status was not an expected one.
    case status
    /// The answer is not what the probe reads: not JSON, no whole task count, no task href, not a task.
    case parse
    /// A JSON value probe's answer lacks a configured value.
    case missing
    /// A task probe follows `max_in_progress` tasks already.
    case busy

    static let allCases: [HTTPProbeReason] = TransportFailure.Reason.allCases.map(Self.transport) + [.status, .parse, .missing, .busy]
    /// What any probe's request can fail with; each kind adds its own.
    static let request: [HTTPProbeReason] = TransportFailure.Reason.allCases.map(Self.transport) + [.status, .parse]

    var label: String {
        switch self {
        case .transport(let reason): reason.rawValue
        case .status: "status"
        case .parse: "parse"
        case .missing: "missing"
        case .busy: "busy"
        }
    }
}

/// What every HTTP probe is given: the shared client, the metrics, results_file, the log and, in a
/// timed run, the recorder its summary is made from.
struct HTTPProbeContext: Sendable {
    let client: HTTPClient
    let metrics: HTTPProbeMetrics
    let results: ResultsFile
    let board: StatusBoard
    let logger: Logger
    var recorder: ProbeRecorder? = nil

    /// The loop that runs a probe of kind `Probe` on `every`.
    func loop<Probe: HTTPProbe>(_ kind: Probe.Type, _ config: Probe.Config, every: Duration) -> any Supervised {
        ProbeLoop<Probe>(every: every, telemetry: Probe.telemetry(config, context: self)) { Probe(config: config, context: self) }
    }
}

/// One answer to a probe's request, judged: the outcome, when it was sent, and why it failed (a
/// transport reason, or `status` when the status was not the expected one).
struct ProbeExchange: Sendable {
    let outcome: HTTPOutcome
    let sentAt: ContinuousClock.Instant
    let failure: HTTPProbeReason?

    var took: Duration { outcome.completedAt - sentAt }

    /// The answer's JSON, or nil when it is cut short by max_response_bytes or is not JSON.
    var json: JSONValue? {
        guard !outcome.bodyTruncated else { return nil }
        return try? JSONValue(parsing: outcome.body)
    }

    /// The request that was sent: its method and URL, for the failure log.
    let method: String
    let url: String

    static func send(_ request: OutgoingRequest, expecting expectation: HTTPRequestConfig.StatusExpectation, on client: HTTPClient) async -> ProbeExchange {
        let sentAt = ContinuousClock.now
        let outcome = await client.send(request)
        let failure = outcome.failure.map { HTTPProbeReason.transport($0.reason) } ?? (expectation.accepts(outcome.status) ? nil : .status)
        return ProbeExchange(outcome: outcome, sentAt: sentAt, failure: failure, method: request.method, url: request.url)
    }

    /// A failure of this exchange with `reason` (its own, or `parse` and the like found in the answer).
    func failure(_ reason: HTTPProbeReason, detail: String? = nil) -> ProbeFailure<HTTPProbeReason> {
        ProbeFailure(
            reason: reason,
            report: FailureReport(
                reason: reason.label, outcome: outcome, method: method, url: url, detail: detail ?? (failure == .status ? "HTTP \(outcome.status)" : nil)))
    }
}

extension ProbeFailure<HTTPProbeReason> {
    /// A failure that is not an exchange's (a task probe too busy to follow more).
    init(_ reason: HTTPProbeReason, message: String) {
        self.init(reason: reason, report: FailureReport(reason: reason.label, code: 0, message: message, body: ""))
    }
}

extension PreparedRequest {
    /// The request rendered outside any scenario: no pools, no virtual user.
    func render() -> OutgoingRequest {
        var scope = RenderScope(random: SeededRandom(), user: nil, pools: [:], now: Date())
        return render(&scope)
    }
}
