internal import Foundation
internal import Logging
internal import SoakConfig

/// A probe that speaks HTTP to a target on a schedule (ingestion, task, JSON values). Each kind is
/// one type; ``HTTPProbeEntry`` makes them from their config.
protocol HTTPProbe: Sendable {
    /// Runs rounds on the probe's schedule until its task is cancelled.
    func run() async
}

/// What every HTTP probe is given: the shared client, the metrics, results_file, the log and, in a
/// timed run, the recorder its summary is made from.
struct HTTPProbeContext: Sendable {
    let client: HTTPClient
    let metrics: ProbeMetrics
    let results: ResultsFile
    let board: StatusBoard
    let logger: Logger
    var recorder: ProbeRecorder? = nil
}

/// One answer to a probe's request, judged: the outcome, when it was sent, and why it failed (the
/// `reason` label: a transport reason, or `status` when the status was not the expected one).
struct ProbeExchange: Sendable {
    let outcome: HTTPOutcome
    let sentAt: ContinuousClock.Instant
    let failure: String?

    var took: Duration { outcome.completedAt - sentAt }

    /// The answer's JSON, or nil when it is cut short by max_response_bytes or is not JSON.
    var json: Any? {
        guard !outcome.bodyTruncated else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(outcome.body), options: [.fragmentsAllowed])
    }

    /// The request that was sent: its method and URL, for the failure log.
    let method: String
    let url: String

    static func send(_ request: OutgoingRequest, expecting expectation: HTTPRequestConfig.StatusExpectation, on client: HTTPClient) async -> ProbeExchange {
        let sentAt = ContinuousClock.now
        let outcome = await client.send(request)
        let failure = outcome.failure?.reason.rawValue ?? (expectation.accepts(outcome.status) ? nil : "status")
        return ProbeExchange(outcome: outcome, sentAt: sentAt, failure: failure, method: request.method, url: request.url)
    }

    /// A failure of this exchange with `reason` (its own, or `parse` and the like found in the answer).
    func report(_ reason: String, detail: String? = nil) -> FailureReport {
        FailureReport(reason: reason, outcome: outcome, method: method, url: url, detail: detail ?? (failure == "status" ? "HTTP \(outcome.status)" : nil))
    }
}

extension PreparedRequest {
    /// The request rendered outside any scenario: no pools, no virtual user.
    func render() -> OutgoingRequest {
        var scope = RenderScope(random: SeededRandom(), user: nil, pools: [:], now: Date())
        return render(&scope)
    }
}
