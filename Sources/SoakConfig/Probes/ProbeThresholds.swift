internal import Foundation
internal import Yams

/// An objective of a task probe; exported as a `soak_objective_task_*` gauge for the alert rules and
/// judged by timed runs on the tasks that finished during the run.
public enum TaskThreshold: Sendable, Equatable, CustomStringConvertible {
    /// `failed_ratio < 5%`: tasks that ended `failed` over the tasks that reached a final state.
    case failedRatio(below: Double)
    /// `p95(total) < 10m`: a phase's percentile (blocked, queue, run, total) stays below the bound.
    case phase(quantile: Double, phase: TaskPhase, below: Duration)
    /// `connection_alive == true`: a result value (a `result_values` name) of every finished task equals
    /// the value (booleans as 1 and 0).
    case resultValue(name: String, equals: Double, literal: String)

    public var description: String {
        switch self {
        case .failedRatio(let below): "failed_ratio < \(below * 100)%"
        case .phase(let quantile, let phase, let below): "p\(ConfigReader.percentileName(quantile))(\(phase)) < \(DurationSyntax.format(below))"
        case .resultValue(let name, _, let literal): "\(name) == \(literal)"
        }
    }
}

/// An objective of an ingestion probe: `tasks_per_second > 100`, judged by timed runs on the mean
/// of the rounds' rates and exported as `soak_objective_ingest_tasks_per_second`.
public enum IngestionThreshold: Sendable, Equatable, CustomStringConvertible {
    case tasksPerSecond(above: Double)

    public var description: String {
        switch self {
        case .tasksPerSecond(let above): "tasks_per_second > \(above == above.rounded() && above < 1e15 ? String(Int(above)) : String(above))"
        }
    }
}

/// A value a task probe reads from each finished task: `connection_alive: result.connection_alive`.
public struct TaskResultValue: Sendable, Equatable {
    /// The `name` label.
    public let name: String
    /// Where it is in the task document (`result.…` for the task's result, or one of the task's own fields).
    public let path: JSONPath
}

extension ConfigReader {
    static let taskThresholdForms = #""failed_ratio < 5%", "p95(total) < 10m" or "connection_alive == true" (a result_values name)"#
    static let ingestionThresholdForms = #""tasks_per_second > 100""#

    /// `thresholds` of a task probe; a result value is named by its `result_values` name or its path.
    func taskThresholds(_ node: Node, path: String, resultValues: [TaskResultValue]) -> [TaskThreshold]? {
        thresholdList(node, path: path, forms: Self.taskThresholdForms) { threshold, item in
            switch threshold.comparison {
            case "<" where threshold.subject == "failed_ratio":
                return ratio(threshold, path: path, at: item).map { .failedRatio(below: $0) }
            case "<" where threshold.subject.hasSuffix(")"):
                let parts = threshold.subject.dropLast().split(separator: "(", maxSplits: 1).map(String.init)
                guard parts.count == 2, let percentile = Self.percentile(parts[0]), let phase = TaskPhase(rawValue: String(parts[1])) else {
                    report(
                        "\(path): invalid threshold \"\(threshold.text)\"; a phase percentile is pNN(PHASE) with PHASE one of \(TaskPhase.allCases.map(\.rawValue).joined(separator: ", ")), e.g. p95(total) < 10m",
                        at: item)
                    return nil
                }
                return latency(threshold, path: path, at: item, maximum: Limits.lifetime)
                    .map { .phase(quantile: percentile / 100, phase: phase, below: $0) }
            case "==":
                guard let value = resultValues.first(where: { $0.name == threshold.subject || $0.path.description == threshold.subject }) else {
                    let suggested = threshold.subject.split(separator: ".").last.map(String.init) ?? threshold.subject
                    report(
                        "\(path): \"\(threshold.text)\" names \(threshold.subject), which is not in result_values; add it, e.g. result_values: { \(suggested): \"\(threshold.subject)\" }",
                        at: item)
                    return nil
                }
                switch threshold.value {
                case "true": return .resultValue(name: value.name, equals: 1, literal: "true")
                case "false": return .resultValue(name: value.name, equals: 0, literal: "false")
                default:
                    guard let number = Double(threshold.value), number.isFinite else {
                        report("\(path): \"\(threshold.text)\": compare with true, false or a number", at: item)
                        return nil
                    }
                    return .resultValue(name: value.name, equals: number, literal: threshold.value)
                }
            default:
                report("\(path): invalid threshold \"\(threshold.text)\"; write \(Self.taskThresholdForms)", at: item)
                return nil
            }
        }
    }

    /// `thresholds` of an ingestion probe: `tasks_per_second > N` (or `> N/s`).
    func ingestionThresholds(_ node: Node, path: String) -> [IngestionThreshold]? {
        thresholdList(node, path: path, forms: Self.ingestionThresholdForms) { threshold, item in
            guard threshold.subject == "tasks_per_second", threshold.comparison == ">" else {
                report("\(path): invalid threshold \"\(threshold.text)\"; write \(Self.ingestionThresholdForms)", at: item)
                return nil
            }
            let text = threshold.value.hasSuffix("/s") ? String(threshold.value.dropLast(2)) : threshold.value
            guard let rate = Double(text.trimmingCharacters(in: .whitespaces)), rate.isFinite, rate > 0 else {
                report("\(path): invalid rate \"\(threshold.value)\" in \"\(threshold.text)\"; write a positive number of tasks per second, e.g. 100", at: item)
                return nil
            }
            return .tasksPerSecond(above: rate)
        }
    }

    /// `95` for 0.95, `99.9` for 0.999.
    static func percentileName(_ quantile: Double) -> String {
        let percentile = (quantile * 1_000).rounded() / 10
        return percentile == percentile.rounded() ? String(Int(percentile)) : String(percentile)
    }
}
