import ArgumentParser
import Logging
import Soak
import SoakConfig

/// `soak merge SUMMARY...`: the summary files of every shard of one timed run, merged bucket by bucket
/// and judged as one run, with the same checks, baseline and reports.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the --summary-file of every shard of a timed run (--shard I/N) and judge them as one run.",
        discussion: """
            Histograms are added bucket by bucket, so every percentile is the one a single run holding every sample would \
            report. Exits 0 when every check passes, 1 when one fails, 2 when the summaries cannot be merged (another \
            config, overlapping or missing shards) or a report cannot be written.
            """
    )

    @Option(name: .customLong("config.file"), help: ArgumentHelp("The config the shards ran; its thresholds are judged.", valueName: "path"))
    var configFile = "soak.yaml"

    @Option(name: .customLong("log.format"), help: ArgumentHelp("Log format: logfmt or json.", valueName: "format"))
    var logFormat: ChoiceArgument<LogFormat> = .init(.logfmt)

    @OptionGroup var reports: ReportArguments

    @Argument(help: ArgumentHelp("The shards' summary files, one per shard.", valueName: "summary"))
    var summaries: [String] = []

    func validate() throws {
        guard !summaries.isEmpty else { throw ValidationError("name the summary file of every shard") }
    }

    func run() throws {
        let format = logFormat.value
        LoggingSystem.bootstrap { _ in SoakLogHandler(format: format, level: .info) }
        let logger = Logger(label: "soak")
        let unwritable = TimedRunPreflight.unwritable(reports.reportPaths)
        for problem in unwritable {
            logger.error("cannot write a report; fix the path and start again", metadata: ["problem": "\(problem)"])
        }
        if !unwritable.isEmpty { throw ExitCode(2) }
        let result: TimedRunResult
        do {
            result = try SummaryMerge.merge(files: summaries, configFile: configFile, options: reports.options(duration: .zero, allowNoChecks: true))
        } catch {
            logger.error("cannot merge", metadata: ["problem": "\(error)"])
            throw ExitCode(2)
        }
        try reports.report(result, logger: logger)
    }
}
