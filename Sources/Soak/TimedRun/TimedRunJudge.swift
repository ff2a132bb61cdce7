internal import Foundation
internal import SoakConfig

/// What a timed run hands back: its judged summary and Locust's CSV files made from the same recording.
public struct TimedRunResult: Sendable {
    public let summary: RunSummary
    public let locust: LocustCSV
}

/// Turns a timed run's recordings into its summary: figures, threshold checks, baseline checks, verdict.
struct TimedRunJudge: Sendable {
    let options: TimedRunOptions
    /// The earlier run to compare with, read and checked at start.
    let baseline: RunSummary?
    /// The file `baseline` was read from.
    let baselineFile: String?
    let config: SoakConfiguration
    let configFile: String
    /// The hash of the config file as it was when the run started (a later edit does not change it).
    let configHash: String
    let build: BuildInfo

    func result(_ recorded: TimedRun, startedAt: Date, completed: Bool) -> TimedRunResult {
        let recorder = recorded.requests
        let end = ContinuousClock.now
        let endedAt = Date()
        let duration = (end - recorder.startedAt) / .seconds(1)
        // Rates are over the time traffic was sent, not the grace period in which the last answers came.
        let traffic = min(end - recorder.startedAt, options.duration)
        let figures = recorder.figures(until: recorder.startedAt + traffic)
        let scenarios = recorder.scenarioFigures(until: recorder.startedAt + traffic)
        let databaseFigures = recorded.databases.figures()
        let taskFigures = recorded.probes.taskFigures()
        let ingestionFigures = recorded.probes.ingestionFigures()
        let gate = TimedRunChecks(config: config, durationSeconds: traffic / .seconds(1))
        var checks = gate.requests(figures) { key, quantile in recorder.latency(of: key, at: quantile) }
        checks += gate.databases(databaseFigures) { database, probe, quantile in
            recorded.databases.latency(database: database, probe: probe, at: quantile)
        }
        checks += gate.probes(tasks: taskFigures, ingestion: ingestionFigures) { probe, phase, quantile in
            recorded.probes.phase(probe: probe, phase: phase, at: quantile)
        }
        var report: RunSummary.BaselineReport?
        if let baseline, let baselineFile {
            let compared = TimedRunChecks.baseline(
                baseline, figures: figures, scenarios: scenarios, databases: databaseFigures, tolerance: options.baselineTolerance)
            checks += compared.checks
            report = .init(
                file: baselineFile, configHash: baseline.configHash, sameConfig: baseline.configHash == configHash,
                tolerances: options.baselineTolerance.described, notCompared: compared.notCompared)
        }
        var summary = RunSummary(
            soakVersion: build.version, revision: build.revision, configFile: configFile, configHash: configHash,
            startedAt: Timestamp.rfc3339(startedAt), endedAt: Timestamp.rfc3339(endedAt), durationSeconds: duration,
            completed: completed, requests: figures, checks: checks, passed: checks.allSatisfy(\.passed))
        summary.scenarios = scenarios
        summary.databases = databaseFigures
        summary.failures = recorder.failures()
        summary.tasks = taskFigures
        summary.ingestion = ingestionFigures
        summary.baseline = report
        let locust = LocustCSV(
            recorder: recorder, failures: summary.failures, config: config, startedAt: startedAt, duration: traffic)
        return TimedRunResult(summary: summary, locust: locust)
    }
}
