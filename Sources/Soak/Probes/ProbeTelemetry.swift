internal import Prometheus

/// Where a probe's rounds are shown, whatever its kind: its success gauge, its error counter by
/// reason (every reason at 0 from the start), its status on the page with the failing/recovered
/// logs (``FailureWatch``), and, in a timed run, the recorder's tap. Each family makes one per probe
/// from its own metric families (``DatabaseMetrics``, ``HTTPProbeMetrics``).
struct ProbeTelemetry<Reason: FailureReason>: Sendable {
    /// `soak_db_probe_success` or `soak_json_probe_success`; nil for kinds without one.
    let success: Gauge?
    /// The error counter's series for `reason`.
    let errors: @Sendable (Reason) -> Counter
    let status: any ProbeStatusSink
    /// Told of every round in a timed run (nil otherwise, or for kinds that record more themselves).
    var tap: (@Sendable (ProbeRound<Reason>) -> Void)? = nil
    /// Removes the series when the probe stops (a JSON value probe's: no series may outlive it at a stale value).
    var retire: (@Sendable () -> Void)? = nil

    /// Exports the error counter at 0 for each of `reasons`.
    func start(reasons: [Reason]) {
        for reason in reasons { _ = errors(reason) }
    }

    func record(_ round: ProbeRound<Reason>) {
        tap?(round)
        success?.set(to: round.failed ? 0 : 1)
        // Successes first: a round with a failure leaves the probe failing.
        for _ in 0..<max(0, round.attempts - round.failures.count) {
            status.succeeded(latency: round.latency)
        }
        for failure in round.failures {
            errors(failure.reason).increment()
            status.failed(failure.report)
        }
    }
}

/// What the status page keeps of a probe and logs about it: a database probe's last run, or an
/// HTTP probe's ``FailureWatch``.
protocol ProbeStatusSink: Sendable {
    func succeeded(latency: Duration?)
    func failed(_ failure: FailureReport)
}

extension DatabaseProbeStatus: ProbeStatusSink {}

extension FailureWatch: ProbeStatusSink {
    func succeeded(latency: Duration?) { succeeded() }
    func failed(_ failure: FailureReport) { failed(failure, at: .now) }
}
