/// Runs one probe: makes its ``Prober`` inside the task, exports its error counters at 0, runs a
/// round on each tick of its ``ProbeSchedule`` and shows each round through its ``ProbeTelemetry``,
/// until the task is cancelled; then awaits the work its rounds spawned and stops the prober.
struct ProbeLoop<P: Prober>: Supervised {
    let every: Duration
    let telemetry: ProbeTelemetry<P.Reason>
    let make: @Sendable () -> P

    func run() async {
        let prober = make()
        telemetry.start(reasons: P.reasons)
        await withDiscardingTaskGroup { group in
            await runOnSchedule(every: every) {
                let round = await prober.round { work in group.addTask(operation: work) }
                guard !Task.isCancelled else { return }
                telemetry.record(round)
            }
        }
        await prober.stop()
        telemetry.retire?()
    }
}
