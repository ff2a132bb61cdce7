import ArgumentParser
import Foundation
import Logging
import Soak
import SoakConfig

/// The options of a judged run that `soak run --duration` and `soak merge` share: the baseline and
/// its tolerances, and the reports (summary file, JUnit, HTML, Locust's CSV).
struct ReportArguments: ParsableArguments {
    @Option(name: .customLong("summary-file"), help: ArgumentHelp("Write the summary as JSON (schema soak-summary/2).", valueName: "path"))
    var summaryFile: String?

    @Option(help: ArgumentHelp("Compare with an earlier run's --summary-file; a regression fails the run.", valueName: "path"))
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

    @Option(help: ArgumentHelp("Write Locust's CSV files PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv.", valueName: "prefix"))
    var csv: String?

    @Flag(name: .customLong("csv-full-history"), help: "With --csv: a row per request in PREFIX_stats_history.csv too, as Locust's flag of that name.")
    var csvFullHistory = false

    @Option(help: ArgumentHelp("Write a JUnit XML file, one test case per check.", valueName: "path"))
    var junit: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report with charts.", valueName: "path"))
    var html: String?

    func validate() throws {
        if csvFullHistory, csv == nil { throw ValidationError("--csv-full-history needs --csv PREFIX") }
        guard (0...1_000_000_000).contains(minSamples) else { throw ValidationError("--baseline.min-samples: give a count from 0 to 1000000000") }
        if latencyFloor.value > Limits.timeout {
            throw ValidationError("--baseline.latency-floor: \(latencyFloor.text) is longer than the limit of \(DurationSyntax.format(Limits.timeout)); make it shorter")
        }
    }

    /// The flags that only a judged run takes, with whether each was given.
    var given: [(flag: String, isSet: Bool)] {
        [("--summary-file", summaryFile != nil), ("--baseline", baseline != nil), ("--junit", junit != nil), ("--html", html != nil), ("--csv", csv != nil)]
    }

    /// The options of the verdict: the baseline and how strictly it is compared.
    func options(duration: Duration, allowNoChecks: Bool) -> TimedRunOptions {
        TimedRunOptions(
            duration: duration, baselineFile: baseline, latencyTolerance: latencyTolerance.value, errorRatioTolerance: errorTolerance.value,
            rateTolerance: rateTolerance.value, latencyFloor: latencyFloor.value, minSamples: minSamples, allowNoChecks: allowNoChecks)
    }

    /// Every report path this run writes, with its flag.
    var reportPaths: [(flag: String, path: String)] {
        [("--summary-file", summaryFile), ("--junit", junit), ("--html", html)].compactMap { flag, path in path.map { (flag, $0) } }
            + (csv.map { prefix in LocustCSV.paths(prefix: prefix).map { ("--csv", $0) } } ?? [])
    }

    /// Prints the table and writes every report; exits 2 when one cannot be written and 1 when the verdict failed.
    func report(_ result: TimedRunResult, logger: Logger) throws {
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
