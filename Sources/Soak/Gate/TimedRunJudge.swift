internal import Foundation
internal import SoakConfig

/// Turns a timed run's recording into its summary: figures, threshold checks, baseline checks, verdict.
struct TimedRunJudge {
    let options: TimedRunOptions
    /// The earlier run to compare with, read and checked at start.
    let baseline: RunSummary?
    let config: SoakConfiguration
    let configFile: String
    /// The hash of the config file as it was when the run started (a later edit does not change it).
    let configHash: String
    let build: BuildInfo

    func summary(recorder: RunRecorder, databases: DatabaseRecorder, startedAt: Date, completed: Bool) -> RunSummary {
        let end = ContinuousClock.now
        let endedAt = Date()
        let duration = (end - recorder.startedAt) / .seconds(1)
        let figures = recorder.figures(until: end)
        var checks = GateChecks.thresholds(config: config, figures: figures, durationSeconds: duration) { key, quantile in
            recorder.latency(of: key, at: quantile)
        }
        let databaseFigures = databases.figures()
        checks += GateChecks.databases(config: config, figures: databaseFigures) { database, probe, quantile in
            databases.latency(database: database, probe: probe, at: quantile)
        }
        if let baseline {
            checks += GateChecks.baseline(
                baseline, figures: figures, tolerance: .init(latency: options.latencyTolerance, errorRatio: options.errorRatioTolerance))
        }
        return RunSummary(
            soakVersion: build.version, revision: build.revision, configFile: configFile, configHash: configHash,
            startedAt: Timestamp.rfc3339(startedAt), endedAt: Timestamp.rfc3339(endedAt), durationSeconds: duration,
            completed: completed, requests: figures, scenarios: recorder.scenarioFigures(until: end), databases: databaseFigures, checks: checks, passed: checks.allSatisfy(\.passed))
    }
}
