internal import Foundation
internal import SoakConfig

/// What a timed run hands back: its judged summary and Locust's CSV files made from the same recording.
public struct TimedRunResult: Sendable {
    public internal(set) var summary: RunSummary
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
        // Rates are over the time traffic was sent, not the grace period in which the last answers came.
        let recordings = RunRecordings(
            requests: recorder.tallies, window: recorder.window, traffic: min(end - recorder.startedAt, options.duration),
            databases: recorded.databases.figures(), probeLatencies: recorded.databases.latencies, tasks: recorded.probes.taskFigures(),
            taskPhases: recorded.probes.phases, ingestion: recorded.probes.ingestionFigures(), failures: recorder.failures())
        return judge(
            recordings, startedAt: startedAt, endedAt: Date(), durationSeconds: (end - recorder.startedAt) / .seconds(1), completed: completed)
    }

    /// The verdict on `recordings`: a run's own, or the shards' added up by `soak merge`.
    func judge(_ recordings: RunRecordings, startedAt: Date, endedAt: Date, durationSeconds: Double, completed: Bool) -> TimedRunResult {
        let figures = recordings.requestFigures
        let scenarios = recordings.scenarioFigures
        let gate = TimedRunChecks(config: config, durationSeconds: recordings.traffic / .seconds(1))
        var checks = gate.requests(figures) { key, quantile in recordings.latency(of: key, at: quantile) }
        checks += gate.databases(recordings.databases) { database, probe, quantile in
            recordings.probeLatency(database: database, probe: probe, at: quantile)
        }
        checks += gate.probes(tasks: recordings.tasks, ingestion: recordings.ingestion) { probe, phase, quantile in
            recordings.phase(probe: probe, phase: phase, at: quantile)
        }
        var report: RunSummary.BaselineReport?
        if let baseline, let baselineFile {
            let compared = TimedRunChecks.baseline(
                baseline, figures: figures, scenarios: scenarios, databases: recordings.databases, tolerance: options.baselineTolerance)
            checks += compared.checks
            report = .init(
                file: baselineFile, configHash: baseline.configHash, sameConfig: baseline.configHash == configHash,
                tolerances: options.baselineTolerance.described, notCompared: compared.notCompared)
        }
        var summary = RunSummary(
            soakVersion: build.version, revision: build.revision, configFile: configFile, configHash: configHash,
            startedAt: Timestamp.rfc3339(startedAt), endedAt: Timestamp.rfc3339(endedAt), durationSeconds: durationSeconds,
            completed: completed, requests: figures, checks: checks, passed: checks.allSatisfy(\.passed))
        summary.scenarios = scenarios
        summary.databases = recordings.databases
        summary.failures = recordings.failures
        summary.tasks = recordings.tasks
        summary.ingestion = recordings.ingestion
        summary.baseline = report
        // Unreadable only if zlib cannot compress; the summary then lacks what `soak merge` needs, and merge says so.
        summary.recordings = try? SummaryRecordings(recordings, shard: config.shard)
        let locust = LocustCSV(
            requests: recordings.requests, window: recordings.window, failures: summary.failures, config: config, startedAt: startedAt,
            duration: recordings.traffic)
        return TimedRunResult(summary: summary, locust: locust)
    }
}
