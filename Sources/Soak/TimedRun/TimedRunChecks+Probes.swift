internal import Foundation
internal import SoakConfig

extension TimedRunChecks {
    /// Task probes against their thresholds, judged on the tasks that finished during the run, and
    /// ingestion probes on the mean of their rounds' rates. A probe with nothing finished is `no data`.
    func probes(tasks: [TaskFigures], ingestion: [IngestionFigures], phase: (String, String, Double) -> Double?) -> [RunSummary.Check] {
        var checks: [RunSummary.Check] = []
        let run = "the run lasted \(Figure.duration(seconds: durationSeconds))"
        for probe in config.ingestion {
            let subject = "ingestion/\(probe.name)"
            let figure = ingestion.first { $0.probe == probe.name }
            for threshold in probe.thresholds {
                guard case .tasksPerSecond(let above) = threshold else { continue }
                guard let figure, let mean = figure.meanTasksPerSecond else {
                    checks.append(Self.noData(
                        name: "\(subject) \(threshold)", subject: subject, limit: above, unit: "per_second",
                        "\(subject) finished no round during the run: a round's calls may take up to \(DurationSyntax.format(probe.request.timeout ?? probe.target.timeout)) and \(run)"))
                    continue
                }
                checks.append(.init(
                    kind: "threshold", name: "\(subject) \(threshold)", subject: subject, passed: mean > above, measured: mean, limit: above,
                    unit: "per_second",
                    detail: "\(subject) ingested \(Figure.count(mean)) tasks/s on average over \(figure.rounds) rounds (lowest \(Figure.count(figure.minTasksPerSecond ?? 0))); the threshold is above \(Figure.count(above))"))
            }
        }
        for probe in config.tasks {
            let subject = "tasks/\(probe.name)"
            let figure = tasks.first { $0.probe == probe.name }
            let finished = figure?.finishedTotal ?? 0
            let why = "\(subject) finished no task during the run: it dispatches every \(DurationSyntax.format(probe.every)) and follows each task for up to \(DurationSyntax.format(probe.timeout)); \(run)"
                + ((figure?.followTimeouts ?? 0) > 0 ? " (\(figure?.followTimeouts ?? 0) tasks were not final within the timeout)" : "")
            for threshold in probe.thresholds {
                let name = "\(subject) \(threshold)"
                switch threshold {
                case .failedRatio(let below):
                    guard let figure, finished > 0 else {
                        checks.append(Self.noData(name: name, subject: subject, limit: below, unit: "ratio", why))
                        continue
                    }
                    let failed = figure.finished["failed"] ?? 0
                    let ratio = Double(failed) / Double(finished)
                    checks.append(.init(
                        kind: "threshold", name: name, subject: subject, passed: ratio < below || failed == 0, measured: ratio, limit: below, unit: "ratio",
                        detail: "\(subject): \(failed) of \(finished) finished tasks failed (\(Figure.ratio(ratio))); the threshold is below \(Figure.ratio(below))"))
                case .phase(let quantile, let phaseName, let below):
                    let limit = DurationSyntax.seconds(below)
                    let label = "p\(Figure.percentile(quantile))(\(phaseName))"
                    guard let measured = phase(probe.name, phaseName.rawValue, quantile) else {
                        checks.append(Self.noData(
                            name: name, subject: subject, limit: limit, unit: "seconds",
                            finished == 0 ? why : "\(subject): none of the \(finished) finished tasks had timestamps for its \(phaseName) phase"))
                        continue
                    }
                    checks.append(.init(
                        kind: "threshold", name: name, subject: subject, passed: measured < limit, measured: measured, limit: limit, unit: "seconds",
                        detail: "\(subject) \(label) was \(Figure.seconds(measured)) over \(finished) finished tasks; the threshold is below \(Figure.seconds(limit))"))
                case .resultValue(let valueName, let equals, let literal):
                    guard let figure, finished > 0 else {
                        checks.append(Self.noData(name: name, subject: subject, limit: 0, unit: "count", why))
                        continue
                    }
                    let counts = figure.values[valueName] ?? [:]
                    let expected = literal == "true" || literal == "false" ? literal : ResultValue.number(equals).text
                    let others = counts.filter { $0.key != expected }.sorted { $0.key < $1.key }
                    let mismatched = others.reduce(0) { $0 + $1.value }
                    checks.append(.init(
                        kind: "threshold", name: name, subject: subject, passed: mismatched == 0, measured: Double(mismatched), limit: 0, unit: "count",
                        detail: "\(subject) \(valueName) was \(expected) in \(counts[expected] ?? 0) of \(finished) finished tasks"
                            + (others.isEmpty ? "" : " (\(others.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))") + "; every one must be \(expected)"))
                }
            }
        }
        return checks
    }
}
