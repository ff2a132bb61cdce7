internal import Foundation
internal import Logging
internal import SoakConfig
import Synchronization

/// One failure as reported to a ``FailureWatch``.
struct FailureReport: Sendable {
    /// The `reason` label value.
    let reason: String
    /// The `code` label value: the HTTP status, 0 when no complete answer came (as in
    /// `soak_http_requests_total` and the failures table).
    let code: Int
    /// libcurl's words, or what was wrong with the answer.
    let message: String
    /// The first bytes of the answer's body.
    let body: String
    /// The request's method and path without its query (no secrets, no credentials), if it has one.
    var request: (method: String, path: String)?
}

/// Watches the outcomes of one request or probe: keeps its last distinct failures for the status
/// page and logs as ``FailureStreak`` decides, one line when it starts failing (with the reason, the
/// HTTP status, libcurl's words, the method and path and the start of the body), a summary each
/// interval while it keeps failing, one line when it has recovered. Never a line per outcome.
final class FailureWatch: Sendable {
    private struct State {
        var streak: FailureStreak
        var samples = FailureSamples()
    }

    /// What is watched, as log metadata: `scenario` and `request`, or `probe`, or `database` and `probe`.
    let subject: Logger.Metadata
    /// How it is named in log messages: "request", "probe", "database probe".
    private let noun: String
    private let state: Mutex<State>
    private let logger: Logger

    init(noun: String, subject: Logger.Metadata, interval: Duration, logger: Logger) {
        self.noun = noun
        self.subject = subject
        state = Mutex(State(streak: FailureStreak(interval: interval)))
        self.logger = logger
    }

    /// The last distinct failures, most recently seen first.
    var samples: [FailureSample] { state.withLock { $0.samples.newestFirst } }

    var isFailing: Bool { state.withLock { $0.streak.isFailing } }

    func succeeded(at now: ContinuousClock.Instant = .now) {
        let event = state.withLock { $0.streak.record(failure: nil, at: now) }
        if let event { log(event, failure: nil) }
    }

    func failed(_ failure: FailureReport, at now: ContinuousClock.Instant = .now) {
        let event = state.withLock { state in
            state.samples.record(reason: failure.reason, code: failure.code, message: failure.message, body: failure.body, at: Date())
            return state.streak.record(failure: failure.reason, at: now)
        }
        if let event { log(event, failure: failure) }
    }

    private func log(_ event: FailureStreak.Event, failure: FailureReport?) {
        var metadata = subject
        switch event {
        case .onset:
            guard let failure else { return }
            metadata["reason"] = "\(failure.reason)"
            metadata["status"] = "\(failure.code)"
            metadata["error"] = "\(failure.message)"
            if let request = failure.request {
                metadata["method"] = "\(request.method)"
                metadata["path"] = "\(request.path)"
            }
            if !failure.body.isEmpty { metadata["body"] = "\(failure.body)" }
            logger.warning("\(noun) failing", metadata: metadata)
        case .stillFailing(let failed, let attempts, let reasons):
            let interval = state.withLock { $0.streak.interval }
            let window = interval == .seconds(60) ? "minute" : DurationSyntax.format(interval)
            let byReason = reasons.map { "\($0.reason) \($0.count)" }.joined(separator: ", ")
            metadata["failed"] = "\(failed)"
            metadata["attempts"] = "\(attempts)"
            logger.warning("\(noun) still failing: \(failed) of \(attempts) in the last \(window); \(byReason)", metadata: metadata)
        case .recovered(let failedFor, let failures):
            metadata["failed_for"] = "\(DurationSyntax.format(failedFor))"
            metadata["failures"] = "\(failures)"
            logger.info("\(noun) recovered", metadata: metadata)
        }
    }
}

extension FailureReport {
    /// A failed HTTP exchange: the transport's reason and words, or the judged reason with the status
    /// and the body's start; `url`'s path without query and credentials.
    init(reason: String, outcome: HTTPOutcome, method: String, url: String, detail: String? = nil) {
        self.reason = reason
        code = outcome.codeLabel
        message = outcome.failure?.message ?? detail ?? "HTTP \(outcome.status)"
        body = Excerpt.of(outcome.body)
        request = (method, URLText.pathWithoutQuery(url))
    }
}
