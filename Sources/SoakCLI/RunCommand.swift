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

    @Option(
        help: ArgumentHelp(
            "Run as shard I of N (counting from 0): the open model's arrivals I, I+N, …, the closed model's users I, I+N, …; probes on shard 0. Default $SOAK_SHARD.",
            valueName: "I/N"))
    var shard: String?

    @Option(
        name: .customLong("shard.count"),
        help: ArgumentHelp(
            "Without --shard: the number of shards, the index from $SOAK_SHARD_INDEX, $JOB_COMPLETION_INDEX or --shard.from-hostname. Default $SOAK_SHARD_COUNT.",
            valueName: "N"))
    var shardCount: Int?

    @Flag(name: .customLong("shard.from-hostname"), help: "With --shard.count: the shard index is the ordinal the hostname ends in (soak-2 is 2), as in a StatefulSet.")
    var shardFromHostname = false

    @Option(help: ArgumentHelp("Run for this long, then stop, print a summary and exit 0, 1 (a check failed) or 2, e.g. 5m.", valueName: "duration"))
    var duration: DurationArgument?

    @OptionGroup var reports: ReportArguments

    @Flag(name: .customLong("allow-no-checks"), help: "With --duration: run a config that has no thresholds (otherwise exit 2).")
    var allowNoChecks = false

    /// The shard from the flags, the environment and the hostname.
    private func resolveShard() -> Result<Shard, ShardError> {
        Shard.resolve(
            flag: shard, count: shardCount, fromHostname: shardFromHostname, environment: ProcessInfo.processInfo.environment,
            hostname: Self.hostname())
    }

    private static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func validate() throws {
        if shard != nil, shardCount != nil || shardFromHostname {
            throw ValidationError("--shard I/N already says how many shards; leave out --shard.count and --shard.from-hostname")
        }
        if case .failure(let error) = resolveShard() { throw ValidationError(error.message) }
        if let duration, duration.value <= .zero { throw ValidationError("--duration: must be longer than 0") }
        // Durations on the command line are bounded like the config's (docs/config.md#limits).
        for (flag, argument, limit) in [("--duration", duration, Limits.timedRun), ("--shutdown.grace-period", gracePeriod, Limits.timeout)] {
            if let argument, argument.value > limit {
                throw ValidationError("\(flag): \(argument.text) is longer than the limit of \(DurationSyntax.format(limit)); make it shorter")
            }
        }
        guard duration == nil else { return }
        for (flag, isSet) in reports.given where isSet {
            throw ValidationError("\(flag) needs --duration: only a timed run has a summary")
        }
        if allowNoChecks { throw ValidationError("--allow-no-checks needs --duration: only a timed run has checks") }
    }

    func run() async throws {
        let format = logFormat.value
        let level = logLevel.value.loggerLevel
        LoggingSystem.bootstrap { _ in SoakLogHandler(format: format, level: level) }
        let logger = Logger(label: "soak")
        // A timed run is a CI gate: exit 1 means "a check failed", so its own errors exit 2.
        let errorStatus: Int32 = duration == nil ? 1 : 2
        let timedRun = duration.map { reports.options(duration: $0.value, allowNoChecks: allowNoChecks) }
        let shard: Shard
        switch resolveShard() {
        case .success(let resolved): shard = resolved
        case .failure(let error):
            logger.error("invalid shard", metadata: ["problem": "\(error)"])
            throw ExitCode(errorStatus)
        }
        // Every report must be writable before any traffic is sent, not found unwritable at the end.
        let unwritable = TimedRunPreflight.unwritable(reports.reportPaths)
        for problem in unwritable {
            logger.error("cannot write a report; fix the path and start again", metadata: ["problem": "\(problem)"])
        }
        if !unwritable.isEmpty { throw ExitCode(2) }
        let options = DaemonOptions(
            configFile: configFile, listenAddress: listenAddress?.value, enableLifecycle: enableLifecycle,
            gracePeriod: gracePeriod.value, timedRun: timedRun, failureInterval: failureInterval.value, webConfigFile: webConfigFile,
            shard: shard)
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
        try reports.report(result, logger: logger)
    }
}
