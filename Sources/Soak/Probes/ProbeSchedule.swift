/// When a periodic probe runs: on ticks `start + k × every`. A tick less than one interval late still
/// runs (at once); a run that overruns skips the ticks it missed instead of running them late back to
/// back. A value type: callers pass `now`.
struct ProbeSchedule {
    let start: ContinuousClock.Instant
    let every: Duration
    private var nextTick = 0

    init(start: ContinuousClock.Instant, every: Duration) {
        self.start = start
        self.every = every
    }

    /// The earliest tick not yet handed out that is less than one interval before `now`.
    mutating func next(after now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let elapsed = now - start
        if elapsed > .zero {
            nextTick = max(nextTick, Int((elapsed / every).rounded(.down)))
        }
        defer { nextTick += 1 }
        return start + every * nextTick
    }
}

/// Runs `round` on the ticks of a ``ProbeSchedule`` `every` apart, the first at once, until the task
/// is cancelled. Database and HTTP probes share it.
func runOnSchedule(every: Duration, _ round: () async -> Void) async {
    var schedule = ProbeSchedule(start: .now, every: every)
    while !Task.isCancelled {
        do { try await Task.sleep(until: schedule.next(after: .now), clock: .continuous) } catch { return }
        await round()
    }
}
