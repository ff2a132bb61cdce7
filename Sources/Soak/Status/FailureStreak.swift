/// Whether something that runs again and again (a request, a probe) is failing, as the logs tell
/// it: one event when it starts failing, one summary per interval while it keeps failing, one when
/// it has recovered, never one per outcome. It has recovered once it succeeds a whole interval after
/// its last failure, so a steady trickle of failures is one long streak with a summary each
/// interval, not a flicker of onsets and recoveries. A value type: callers pass `now`.
struct FailureStreak {
    /// What to log after an outcome.
    enum Event: Equatable {
        /// The first failure after success.
        case onset
        /// The interval since the last summary (or the onset) is over and it is still failing:
        /// `failed` of `attempts` outcomes in it failed, by reason, most frequent first.
        case stillFailing(failed: Int, attempts: Int, reasons: [Reason])
        /// A success a whole interval after the last failure: it failed from the onset to its last
        /// failure, `failures` times in all.
        case recovered(failedFor: Duration, failures: Int)
    }

    /// A failure reason and how often it was seen.
    struct Reason: Equatable {
        let reason: String
        let count: Int
    }

    let interval: Duration
    private(set) var failingSince: ContinuousClock.Instant?
    private var lastFailure: ContinuousClock.Instant?
    private var windowStart: ContinuousClock.Instant?
    private var attempts = 0
    private var failures = 0
    private var reasons: [String: Int] = [:]
    private var totalFailures = 0

    init(interval: Duration) {
        self.interval = interval
    }

    var isFailing: Bool { failingSince != nil }

    /// Takes one outcome: `failure` is its reason, nil for a success.
    mutating func record(failure: String?, at now: ContinuousClock.Instant) -> Event? {
        guard let since = failingSince, let last = lastFailure, let start = windowStart else {
            guard let failure else { return nil }
            failingSince = now
            lastFailure = now
            windowStart = now
            (attempts, failures, reasons, totalFailures) = (1, 1, [failure: 1], 1)
            return .onset
        }
        if failure == nil, now - last >= interval {
            defer { self = FailureStreak(interval: interval) }
            return .recovered(failedFor: last - since, failures: totalFailures)
        }
        attempts += 1
        if let failure {
            failures += 1
            totalFailures += 1
            reasons[failure, default: 0] += 1
            lastFailure = now
        }
        guard now - start >= interval else { return nil }
        let summary: Event? =
            failures > 0
            ? .stillFailing(
                failed: failures, attempts: attempts,
                reasons: reasons.map { Reason(reason: $0.key, count: $0.value) }.sorted { ($0.count, $1.reason) > ($1.count, $0.reason) })
            : nil
        windowStart = now
        (attempts, failures, reasons) = (0, 0, [:])
        return summary
    }
}
