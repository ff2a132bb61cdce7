internal import Foundation
internal import Logging
internal import SoakConfig

/// What a timed run checks before it sends anything: that its reports can be written, that the config
/// has something to judge, and (as warnings) what cannot finish within the run.
public enum TimedRunPreflight {
    /// A sentence per report path that cannot be written, naming the flag, the path and why.
    public static func unwritable(_ paths: [(flag: String, path: String)]) -> [String] {
        paths.compactMap { flag, path in
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                if isDirectory.boolValue { return "\(flag) \(path): is a directory; give a file path" }
                return FileManager.default.isWritableFile(atPath: path) ? nil : "\(flag) \(path): the file exists and cannot be written (permissions)"
            }
            let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                return "\(flag) \(path): the directory \(directory) does not exist; create it first"
            }
            return FileManager.default.isWritableFile(atPath: directory) ? nil : "\(flag) \(path): the directory \(directory) cannot be written (permissions)"
        }
    }

    /// Refuses a config without checks (unless allowed), and warns about everything that lasts longer
    /// than the run and about a baseline written for another config.
    static func check(
        _ config: SoakConfiguration, options: TimedRunOptions, baseline: RunSummary?, configHash: String, logger: Logger
    ) throws(DaemonError) {
        if config.checkCount == 0, !options.allowNoChecks { throw DaemonError.noChecks }
        for warning in warnings(config, duration: options.duration) {
            logger.warning("\(warning)")
        }
        if let baseline, baseline.configHash != configHash {
            logger.warning(
                "the baseline was written for another config; only the requests both runs have are compared",
                metadata: ["baseline_config_hash": "\(baseline.configHash)", "config_hash": "\(configHash)"])
        }
    }

    /// A sentence for each ramp-up, hold, task timeout and probe interval longer than `duration`.
    static func warnings(_ config: SoakConfiguration, duration: Duration) -> [String] {
        let run = DurationSyntax.format(duration)
        var warnings: [String] = []
        func longer(_ value: Duration, _ what: String, _ consequence: String) {
            if value > duration { warnings.append("\(what) \(DurationSyntax.format(value)), longer than the run (\(run)): \(consequence)") }
        }
        let once = "it runs once, at the start"
        for scenario in config.scenarios {
            if case .closed(let model) = scenario.workload {
                longer(model.rampUp, "scenario \(scenario.name) ramps its users up over", "not all of them will start")
            }
        }
        for database in config.databases {
            for probe in database.probes {
                longer(probe.every, "database probe \(database.name)/\(probe.kind.rawValue) runs every", once)
            }
            for hold in database.holds {
                longer(hold.hold, "hold \(database.name)/\(hold.test.rawValue) lasts", "it cannot finish, so its thresholds will have no data")
            }
        }
        for probe in config.ingestion {
            longer(probe.every, "ingestion probe \(probe.name) runs every", once)
        }
        for probe in config.tasks {
            longer(probe.every, "task probe \(probe.name) dispatches every", once)
            longer(probe.timeout, "task probe \(probe.name) follows tasks for up to", "a slow task will not finish within the run")
        }
        for probe in config.jsonValues {
            longer(probe.every, "JSON value probe \(probe.name) runs every", once)
        }
        return warnings
    }
}
