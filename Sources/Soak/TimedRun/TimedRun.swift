internal import Foundation
internal import Logging
internal import ServiceLifecycle
internal import SoakConfig

/// One timed run (`soak run --duration`): the recorders its traffic, database probes and HTTP probes
/// write to, the timer that ends it and the judge that turns the recordings into a verdict. The daemon
/// holds one when it was given `--duration`, and none otherwise.
struct TimedRun: Sendable {
    let requests: RunRecorder
    let databases: DatabaseRecorder
    let probes: ProbeRecorder
    let timer: RunTimer
    let judge: TimedRunJudge

    /// Reads and checks the baseline and the config before anything starts; throws when the run
    /// cannot be judged (an unusable baseline, a config without checks).
    init(
        options: TimedRunOptions, config: SoakConfiguration, configFile: String, configHash: String, build: BuildInfo, logger: Logger
    ) throws(DaemonError) {
        let baseline: RunSummary?
        do throws(RunSummary.BaselineError) {
            baseline = try RunSummary.baseline(at: options.baselineFile, for: config)
        } catch {
            throw DaemonError.unusableBaseline(error)
        }
        try TimedRunPreflight.check(config, options: options, baseline: baseline, configHash: configHash, logger: logger)
        requests = RunRecorder(startedAt: .now, duration: options.duration)
        databases = DatabaseRecorder()
        probes = ProbeRecorder()
        timer = RunTimer(duration: options.duration)
        judge = TimedRunJudge(
            options: options, baseline: baseline, baselineFile: options.baselineFile, config: config, configFile: configFile,
            configHash: configHash, build: build)
    }

    /// The timer as the first service of the group: when the duration has passed it shuts the group down.
    var service: ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: timer, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "timer")
    }

    /// The judged run, once everything it records has stopped.
    func result(startedAt: Date) -> TimedRunResult {
        judge.result(self, startedAt: startedAt, completed: timer.completed)
    }
}
