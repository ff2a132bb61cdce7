/// The timeline of one connection-lifetime run: when to act (heartbeat or unit of work), when to
/// wait, and when the hold is over. A value type: callers pass `now`.
struct HoldPlan {
    /// What the run does next.
    enum Step: Equatable {
        /// Watch the connection until this instant.
        case wait(until: ContinuousClock.Instant)
        /// Run the test's periodic statements now.
        case act
        /// The hold is over: run the closing statements.
        case finish
    }

    let connectedAt: ContinuousClock.Instant
    let hold: Duration
    let interval: Duration?
    /// Periodic actions done so far.
    private(set) var iterations = 0

    init(connectedAt: ContinuousClock.Instant, hold: Duration, interval: Duration?) {
        self.connectedAt = connectedAt
        self.hold = hold
        self.interval = interval
    }

    var end: ContinuousClock.Instant { connectedAt + hold }

    func step(at now: ContinuousClock.Instant) -> Step {
        guard now < end else { return .finish }
        if let interval {
            let due = connectedAt + interval * (iterations + 1)
            if due < end {
                return now >= due ? .act : .wait(until: due)
            }
        }
        return .wait(until: end)
    }

    mutating func acted() {
        iterations += 1
    }
}
