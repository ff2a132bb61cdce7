internal import Foundation
internal import SoakConfig

extension TimedRunChecks {
    /// Database probes against their thresholds, and holds against the events they must not have. A
    /// probe that never ran or never succeeded, and a hold that never finished, is `no data`.
    func databases(_ figures: [DatabaseFigures], latency: (String, String, Double) -> Double?) -> [RunSummary.Check] {
        var checks: [RunSummary.Check] = []
        let run = "the run lasted \(Figure.duration(seconds: durationSeconds))"
        for database in config.databases {
            let figure = figures.first { $0.database == database.name }
            for probe in database.probes {
                let subject = "\(database.name)/\(probe.kind.rawValue)"
                let tally = figure?.probes.first { $0.probe == probe.kind.rawValue }
                let runs = tally?.runs ?? 0
                let failures = tally?.failures ?? 0
                for threshold in probe.thresholds {
                    let name = "\(subject) \(threshold)"
                    switch threshold {
                    case .latency(let quantile, let below):
                        let limit = DurationSyntax.seconds(below)
                        guard let measured = latency(database.name, probe.kind.rawValue, quantile) else {
                            let why = runs == 0 ? "it never ran (\(run))" : "it never succeeded (\(failures) of \(runs) runs failed)"
                            checks.append(Self.noData(name: name, subject: subject, limit: limit, unit: "seconds", "\(subject) has no latency: \(why)"))
                            continue
                        }
                        checks.append(.init(
                            kind: "threshold", name: name, subject: subject, passed: measured < limit, measured: measured, limit: limit, unit: "seconds",
                            detail: "\(subject) p\(Figure.percentile(quantile)) was \(Figure.seconds(measured)); the threshold is below \(Figure.seconds(limit))"))
                    case .errorRatio(let below):
                        guard runs > 0 else {
                            checks.append(Self.noData(
                                name: name, subject: subject, limit: below, unit: "ratio",
                                "\(subject) has no error ratio: it never ran (it runs every \(DurationSyntax.format(probe.every)); \(run))"))
                            continue
                        }
                        let ratio = Double(failures) / Double(runs)
                        checks.append(.init(
                            kind: "threshold", name: name, subject: subject, passed: ratio < below || failures == 0, measured: ratio, limit: below,
                            unit: "ratio",
                            detail: "\(subject) failed \(failures) of \(runs) runs (\(Figure.ratio(ratio))); the threshold is below \(Figure.ratio(below))"))
                    case .rate:
                        break
                    }
                }
            }
            for hold in database.holds {
                let subject = "\(database.name)/\(hold.test.rawValue)"
                let tally = figure?.holds.first { $0.test == hold.test.rawValue }
                let finished = (tally?.survived ?? 0) + (tally?.died ?? 0) + (tally?.failedToStart ?? 0)
                for event in hold.mustNotHappen {
                    let name = "\(subject) \(event) == 0"
                    guard let tally, finished > 0 else {
                        checks.append(Self.noData(
                            name: name, subject: subject, limit: 0, unit: "count",
                            "\(subject) finished no hold during the run, so \(event) cannot be judged: the hold is \(DurationSyntax.format(hold.hold)) and \(run)"))
                        continue
                    }
                    let count: Int
                    switch event {
                    case "died": count = tally.died
                    case "failed_to_start": count = tally.failedToStart
                    case "missing": count = tally.notifications?.missing ?? 0
                    case "duplicate": count = tally.notifications?.duplicate ?? 0
                    default: count = tally.notifications?.outOfOrder ?? 0
                    }
                    checks.append(.init(
                        kind: "threshold", name: name, subject: subject, passed: count == 0, measured: Double(count), limit: 0, unit: "count",
                        detail: "\(subject) had \(count) \(event.replacingOccurrences(of: "_", with: " ")) in \(finished) finished holds; none is allowed"))
                }
            }
        }
        return checks
    }
}
