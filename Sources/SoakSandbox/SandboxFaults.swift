internal import Foundation
internal import SoakConfig
import Synchronization

/// Faults injected while the sandbox runs, through `/sandbox/faults`: latency added to every answer of
/// `/sandbox/work`, a share of its answers turned into 500s, and a stopped worker pool. They start
/// cleared and add to what `--latency` and `--error-rate` set.
final class SandboxFaults: Sendable {
    /// The faults in force.
    struct State: Sendable, Equatable {
        /// Added to each `/sandbox/work` answer's latency.
        var addedLatency = SandboxSettings.DurationRange(low: .zero, high: .zero)
        /// At least this share of `/sandbox/work` answers is a 500 (the larger of it and `--error-rate`).
        var errorRate = 0.0
        /// Every worker is stopped: no heartbeats, no tasks taken; tasks they were running fail when they start again.
        var workersStopped = false
    }

    /// The keys a POST body may hold.
    static let keys = ["added_latency", "error_rate", "workers_stopped"]

    private let state = Mutex(State())
    private let continuation: AsyncStream<Bool>.Continuation
    /// Whether the workers are stopped, each time a change sets it; read by the worker pool alone.
    let workersStoppedChanges: AsyncStream<Bool>

    init() {
        (workersStoppedChanges, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
    }

    var current: State { state.withLock { $0 } }

    /// Sets the faults a POST body names and keeps the others. A body with a problem changes nothing;
    /// the problems come back by key, as Pulp's API reports invalid fields.
    func apply(_ body: [String: Any]) -> [String: [String]] {
        var problems: [String: [String]] = [:]
        var next = current
        for (key, value) in body {
            switch key {
            case "added_latency":
                guard let text = value as? String, let range = SandboxSettings.DurationRange(parsing: text) else {
                    problems[key] = ["Expected a duration or LOW..HIGH, e.g. \"2s\" or \"1s..3s\"; \(DurationSyntax.hint)."]
                    continue
                }
                next.addedLatency = range
            case "error_rate":
                let share = (value as? String).flatMap(ShareSyntax.parse) ?? (value is String ? nil : value as? Double)
                guard let share, (0...1).contains(share) else {
                    problems[key] = ["Expected a share between 0 and 1, as \"50%\" or 0.5."]
                    continue
                }
                next.errorRate = share
            case "workers_stopped":
                guard let stopped = value as? Bool else {
                    problems[key] = ["Expected true or false."]
                    continue
                }
                next.workersStopped = stopped
            default:
                problems[key] = ["Unknown fault; the faults are \(Self.keys.joined(separator: ", "))."]
            }
        }
        guard problems.isEmpty else { return problems }
        set(next)
        return [:]
    }

    /// Clears every fault.
    func clear() {
        set(State())
    }

    private func set(_ next: State) {
        let previous = state.withLock { state in
            defer { state = next }
            return state
        }
        if previous.workersStopped != next.workersStopped { continuation.yield(next.workersStopped) }
    }

    /// The faults in force as the JSON object `/sandbox/faults` answers.
    var json: [String: Any] {
        let state = current
        let latency = state.addedLatency
        return [
            "added_latency": latency.low == latency.high
                ? DurationSyntax.format(latency.low) : "\(DurationSyntax.format(latency.low))..\(DurationSyntax.format(latency.high))",
            "error_rate": state.errorRate,
            "workers_stopped": state.workersStopped,
        ]
    }
}
