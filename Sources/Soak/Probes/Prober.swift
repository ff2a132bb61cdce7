/// One probe kind: what one round does. A ``ProbeLoop`` runs the rounds on the probe's schedule and
/// owns what every kind shares (see ``ProbeTelemetry``); the kind keeps only what is its own (a
/// database probe's connection, an ingestion round's results line, a task probe's followed tasks).
/// Adding a kind is one type conforming to this and one line in ``ProbeRegistry``.
///
/// A prober is made inside the task that runs its loop and used by that task alone, so it may keep
/// state (a connection) between rounds without locks.
protocol Prober: SendableMetatype {
    /// Why a round can fail; the label values of the kind's error counter.
    associatedtype Reason: FailureReason

    /// The reasons this kind can fail with: its error counters start at 0 for each.
    static var reasons: [Reason] { get }

    /// Runs one round, bounded by the kind's timeout (a database probe's `timeout`, an HTTP probe's
    /// request timeouts). Work that outlives the round (a task probe following the tasks it
    /// dispatched) is handed to `spawn`: it runs as a child of the probe's loop, so it is cancelled
    /// and awaited when the probe stops.
    func round(spawn: (sending @escaping @Sendable () async -> Void) -> Void) async -> ProbeRound<Reason>

    /// Ends the probe after its last round: closes what it keeps open, removes the series that must
    /// not outlive it.
    func stop() async
}

extension Prober {
    static var reasons: [Reason] { Reason.counted }
    func stop() async {}
}

/// One failure of a round: its typed reason and what the log and the status page show of it.
struct ProbeFailure<Reason: FailureReason>: Sendable {
    let reason: Reason
    let report: FailureReport
}

/// What one round did: how many attempts it made (an ingestion round's calls; 1 for most kinds),
/// which of them failed and why, and the latency it measured (a connect or query probe's), if any.
struct ProbeRound<Reason: FailureReason>: Sendable {
    var attempts: Int
    var failures: [ProbeFailure<Reason>]
    var latency: Duration?

    static func success(latency: Duration? = nil) -> Self {
        Self(attempts: 1, failures: [], latency: latency)
    }

    static func failure(_ failure: ProbeFailure<Reason>) -> Self {
        Self(attempts: 1, failures: [failure], latency: nil)
    }

    var failed: Bool { !failures.isEmpty }
}
