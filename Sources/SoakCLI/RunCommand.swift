import ArgumentParser
import Foundation
import Logging
import Soak
import SoakConfig

/// `soak run`: the daemon, or with `--duration` a timed run that judges itself (the CI gate).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon until SIGTERM or SIGINT; SIGHUP reloads the config.",
        discussion: """
            With --duration, soak stops by itself after the duration, prints a summary table, and exits 0 when every \
            threshold (and baseline) check passes, 1 when one fails, 2 for a config, baseline or startup error.
            """
    )

    @Option(name: .customLong("config.file"), help: ArgumentHelp("The config file.", valueName: "path"))
    var configFile = "soak.yaml"

    @Option(
        name: .customLong("web.listen-address"),
        help: ArgumentHelp("Address to serve /metrics on, as [host]:port; overrides web.listen_address. Default :9470.", valueName: "address"))
    var listenAddress: ListenAddressArgument?

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable POST /-/reload.")
    var enableLifecycle = false

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "A web config file (exporter-toolkit's format): TLS, client certificates, basic auth, headers; re-read when it changes.",
            valueName: "path"))
    var webConfigFile: String?

    @Option(name: .customLong("log.level"), help: ArgumentHelp("Log level: debug, info, warn or error.", valueName: "level"))
    var logLevel: ChoiceArgument<LogLevel> = .init(.info)

    @Option(name: .customLong("log.format"), help: ArgumentHelp("Log format: logfmt or json.", valueName: "format"))
    var logFormat: ChoiceArgument<LogFormat> = .init(.logfmt)

    @Option(
        name: .customLong("log.failure-interval"),
        help: ArgumentHelp(
            "How often a request or probe that keeps failing logs a summary, and how long without failure counts as recovered.",
            valueName: "duration"))
    var failureInterval: DurationArgument = .init(.seconds(60))

    @Option(
        name: .customLong("shutdown.grace-period"),
        help: ArgumentHelp("How long in-flight work may take to finish after SIGTERM, e.g. 4s.", valueName: "duration"))
    var gracePeriod: DurationArgument = .init(.seconds(3))

    @Option(help: ArgumentHelp("Run for this long, then stop, print a summary and exit 0, 1 (a check failed) or 2, e.g. 5m.", valueName: "duration"))
    var duration: DurationArgument?

    @Option(name: .customLong("summary-file"), help: ArgumentHelp("With --duration: write the summary as JSON (schema soak-summary/2).", valueName: "path"))
    var summaryFile: String?

    @Option(help: ArgumentHelp("With --duration: compare with an earlier run's --summary-file; a regression fails the run.", valueName: "path"))
    var baseline: String?

    @Option(
        name: .customLong("baseline.latency-tolerance"),
        help: ArgumentHelp("How much p95 and p99 may rise over the baseline.", valueName: "percent"))
    var latencyTolerance: PercentArgument = .init(0.2)

    @Option(
        name: .customLong("baseline.error-tolerance"),
        help: ArgumentHelp("How much the error ratio may rise over the baseline: +5pt (points) or +20% (relative).", valueName: "tolerance"))
    var errorTolerance: ErrorToleranceArgument = .init(.points(0.05))

    @Option(
        name: .customLong("baseline.rate-tolerance"),
        help: ArgumentHelp("How far below the baseline's a scenario's achieved rate may fall.", valueName: "percent"))
    var rateTolerance: PercentArgument = .init(0.2)

    @Option(
        name: .customLong("baseline.latency-floor"),
        help: ArgumentHelp("A p95 or p99 rise smaller than this never fails the baseline, however large relatively.", valueName: "duration"))
    var latencyFloor: DurationArgument = .init(.milliseconds(1))

    @Option(
        name: .customLong("baseline.min-samples"),
        help: ArgumentHelp("Requests (or probe runs) both runs need before a latency or rate is compared with the baseline.", valueName: "count"))
    var minSamples: Int = 100

    @Flag(name: .customLong("allow-no-checks"), help: "With --duration: run a config that has no thresholds (otherwise exit 2).")
    var allowNoChecks = false

    @Option(help: ArgumentHelp("With --duration: write Locust's CSV files PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv.", valueName: "prefix"))
    var csv: String?

    @Flag(name: .customLong("csv-full-history"), help: "With --csv: a row per request in PREFIX_stats_history.csv too, as Locust's flag of that name.")
    var csvFullHistory = false

    @Option(help: ArgumentHelp("With --duration: write a JUnit XML file, one test case per check.", valueName: "path"))
    var junit: String?

    @Option(help: ArgumentHelp("With --duration: write a self-contained HTML report with charts.", valueName: "path"))
    var html: String?

    func validate() throws {
        if csvFullHistory, csv == nil { throw ValidationError("--csv-full-history needs --csv PREFIX") }
        guard (0...1_000_000_000).contains(minSamples) else { throw ValidationError("--baseline.min-samples: give a count from 0 to 1000000000") }
        if let duration, duration.value <= .zero { throw ValidationError("--duration: must be longer than 0") }
        // Durations on the command line are bounded like the config's (docs/config.md#limits).
        for (flag, argument, limit) in [
            ("--duration", duration, Limits.timedRun), ("--shutdown.grace-period", gracePeriod, Limits.timeout),
            ("--baseline.latency-floor", latencyFloor, Limits.timeout),
        ] {
            if let argument, argument.value > limit {
                throw ValidationError("\(flag): \(argument.text) is longer than the limit of \(DurationSyntax.format(limit)); make it shorter")
            }
        }
        guard duration == nil else { return }
        for (flag, value) in [("--summary-file", summaryFile), ("--baseline", baseline), ("--junit", junit), ("--html", html), ("--csv", csv)] where value != nil {
            throw ValidationError("\(flag) needs --duration: only a timed run has a summary")
        }
        if allowNoChecks { throw ValidationError("--allow-no-checks needs --duration: only a timed run has checks") }
    }

    /// Every report path this run writes, with its flag.
    private var reportPaths: [(flag: String, path: String)] {
        [("--summary-file", summaryFile), ("--junit", junit), ("--html", html)].compactMap { flag, path in path.map { (flag, $0) } }
            + (csv.map { prefix in LocustCSV.paths(prefix: prefix).map { ("--csv", $0) } } ?? [])
    }

    func run() async throws {
        let format = logFormat.value
        let level = logLevel.value.loggerLevel
        LoggingSystem.bootstrap { _ in SoakLogHandler(format: format, level: level) }
        let logger = Logger(label: "soak")
        // A timed run is a CI gate: exit 1 means "a check failed", so its own errors exit 2.
        let errorStatus: Int32 = duration == nil ? 1 : 2
        let timedRun = duration.map {
            TimedRunOptions(
                duration: $0.value, baselineFile: baseline, latencyTolerance: latencyTolerance.value, errorRatioTolerance: errorTolerance.value,
                rateTolerance: rateTolerance.value, latencyFloor: latencyFloor.value, minSamples: minSamples, allowNoChecks: allowNoChecks)
        }
        // Every report must be writable before any traffic is sent, not found unwritable at the end.
        let unwritable = TimedRunPreflight.unwritable(reportPaths)
        for problem in unwritable {
            logger.error("cannot write a report; fix the path and start again", metadata: ["problem": "\(problem)"])
        }
        if !unwritable.isEmpty { throw ExitCode(2) }
        let options = DaemonOptions(
            configFile: configFile, listenAddress: listenAddress?.value, enableLifecycle: enableLifecycle,
            gracePeriod: gracePeriod.value, timedRun: timedRun, failureInterval: failureInterval.value, webConfigFile: webConfigFile)
        let result: TimedRunResult?
        do {
            result = try await Daemon(options: options, logger: logger).run()
        } catch DaemonError.invalidConfig(let error) {
            for problem in error.problems {
                logger.error("invalid config; fix it and start again", metadata: ["problem": "\(problem)"])
            }
            throw ExitCode(errorStatus)
        } catch DaemonError.unusableBaseline(let error) {
            logger.error("unusable baseline", metadata: ["problem": "\(error)"])
            throw ExitCode(errorStatus)
        } catch DaemonError.noChecks {
            logger.error("nothing to judge", metadata: ["problem": "\(DaemonError.noChecks)"])
            throw ExitCode(errorStatus)
        } catch let error as DaemonError {
            // It says what failed and how to fix it.
            logger.error("\(error)")
            throw ExitCode(errorStatus)
        } catch {
            logger.error("soak failed", metadata: ["error": "\(error)"])
            throw ExitCode(errorStatus)
        }
        guard let result else { return }
        let summary = result.summary
        print(summary.table, terminator: "")
        do {
            if let summaryFile { try write(try summary.json(), to: summaryFile) }
            if let junit { try write(summary.junit, to: junit) }
            if let html { try write(summary.html, to: html) }
            if let csv {
                do {
                    try result.locust.write(prefix: csv, fullHistory: csvFullHistory)
                } catch {
                    throw ValidationError("cannot write the CSV files \(csv)_*.csv: \(error.localizedDescription)")
                }
            }
        } catch {
            logger.error("could not write a report", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        if !summary.passed { throw ExitCode(1) }
    }

    private func write(_ text: String, to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
