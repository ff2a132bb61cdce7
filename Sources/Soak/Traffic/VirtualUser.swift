internal import SoakConfig

/// One closed-model virtual user as the event loop drives it: it waits for its start in the ramp-up,
/// sends, pauses as its class says, sends again, until its scenario stops. A value type: the loop
/// passes the time and what happened, and schedules the wake-up it is given.
struct VirtualUser {
    enum Phase: Equatable {
        /// Waiting for its start in the ramp-up; not yet counted in `soak_virtual_users`.
        case starting
        /// Its request is in flight since then.
        case sending(since: ContinuousClock.Instant)
        /// Waiting until it sends again.
        case pausing
        /// Its scenario stopped; it sends no more.
        case stopped
    }

    let index: Int
    let classIndex: Int
    /// Its randomness, identity and pool slices.
    var scope: RenderScope
    let credential: Credential?
    private(set) var phase = Phase.starting

    init(index: Int, classIndex: Int, scope: RenderScope, credential: Credential?) {
        self.index = index
        self.classIndex = classIndex
        self.scope = scope
        self.credential = credential
    }

    /// Whether it has started (so counts in `soak_virtual_users`) and not stopped.
    var isRunning: Bool {
        switch phase {
        case .sending, .pausing: true
        case .starting, .stopped: false
        }
    }

    /// Its request goes out at `now`.
    mutating func send(at now: ContinuousClock.Instant) {
        guard phase != .stopped else { return }
        phase = .sending(since: now)
    }

    /// Its request ended at `now`: when it sends the next one, after the pause `wait` asks for
    /// (pacing counts from the send); nil once stopped.
    mutating func finished(at now: ContinuousClock.Instant, wait: ScenarioConfig.Wait) -> ContinuousClock.Instant? {
        guard case .sending(let since) = phase else { return nil }
        phase = .pausing
        return now + UserPlan.pause(wait, elapsed: now - since, using: &scope.random)
    }

    mutating func stop() {
        phase = .stopped
    }
}
