internal import SoakConfig
internal import Histogram
import Synchronization

/// What a timed run records of the task and ingestion probes for its summary: per task probe the
/// tasks dispatched, finished by state and timed out, exact phase percentiles and the result values
/// seen; per ingestion probe its rounds and their rates.
final class ProbeRecorder: Sendable {
    private struct TaskTally {
        var figures: TaskFigures
        var phases: [String: Histogram<UInt32>] = [:]
    }

    /// Phases are recorded in milliseconds up to two weeks (a task probe follows for at most 7 days).
    private static let highestMilliseconds: UInt64 = 14 * 86_400_000
    /// Distinct values kept per result value; further ones are counted as `other`.
    static let distinctValues = 100

    private let tasks = Mutex<[TaskTally]>([])
    private let rounds = Mutex<[IngestionFigures]>([])

    func dispatched(probe: String, count: Int) {
        updateTasks(probe) { $0.figures.dispatched += count }
    }

    func followTimedOut(probe: String) {
        updateTasks(probe) { $0.figures.followTimeouts += 1 }
    }

    /// A task that reached a final state: its phases in seconds and its result values (nil where missing).
    func finished(probe: String, state: String, phases: [(phase: TaskPhase, seconds: Double)], values: [(name: String, value: ResultValue?)]) {
        updateTasks(probe) { tally in
            tally.figures.finished[state, default: 0] += 1
            for (phase, seconds) in phases {
                let milliseconds = UInt64(clamping: Int64((seconds * 1000).rounded()))
                _ = tally.phases[phase.rawValue, default: Histogram<UInt32>(highestTrackableValue: Self.highestMilliseconds, numberOfSignificantValueDigits: .three)]
                    .record(min(max(milliseconds, 1), Self.highestMilliseconds))
            }
            for (name, value) in values {
                var counts = tally.figures.values[name, default: [:]]
                let key = value?.text ?? "missing"
                if counts[key] == nil, counts.count >= Self.distinctValues { counts["other", default: 0] += 1 } else { counts[key, default: 0] += 1 }
                tally.figures.values[name] = counts
            }
        }
    }

    func ingestionRound(probe: String, tasks: Int, tasksPerSecond: Double, failedCalls: Int) {
        rounds.withLock { rounds in
            rounds.update(where: { $0.probe == probe }, new: { IngestionFigures(probe: probe) }) {
                $0.add(tasks: tasks, tasksPerSecond: tasksPerSecond, failedCalls: failedCalls)
            }
        }
    }

    /// Each task probe's phase histograms, for the verdict and the summary's recordings.
    var phases: [RunRecordings.TaskPhase] {
        tasks.withLock { $0 }.flatMap { tally in
            tally.phases.sorted { $0.key < $1.key }.map { RunRecordings.TaskPhase(probe: tally.figures.probe, phase: $0.key, histogram: $0.value) }
        }
    }

    func taskFigures() -> [TaskFigures] {
        tasks.withLock { $0 }.map { tally in
            var figures = tally.figures
            for (phase, histogram) in tally.phases where histogram.totalCount > 0 {
                figures.phaseP50Seconds[phase] = Double(histogram.valueAtPercentile(50)) / 1000
                figures.phaseP95Seconds[phase] = Double(histogram.valueAtPercentile(95)) / 1000
            }
            return figures
        }
    }

    func ingestionFigures() -> [IngestionFigures] {
        rounds.withLock { $0 }
    }

    private func updateTasks(_ probe: String, _ change: (inout TaskTally) -> Void) {
        tasks.withLock { tasks in tasks.update(where: { $0.figures.probe == probe }, new: { TaskTally(figures: TaskFigures(probe: probe)) }, change) }
    }
}

/// A value read from a finished task: a number, or a boolean (1 and 0 in metrics).
enum ResultValue: Sendable, Equatable {
    case number(Double)
    case boolean(Bool)

    /// The number the gauge shows.
    var number: Double {
        switch self {
        case .number(let value): value
        case .boolean(let value): value ? 1 : 0
        }
    }

    /// How the summary counts it: `true`, `false`, `3`, `0.5`.
    var text: String {
        switch self {
        case .boolean(let value): value ? "true" : "false"
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }
    }
}

/// One task probe's numbers over a timed run.
public struct TaskFigures: Codable, Sendable, Equatable {
    public var probe: String
    /// Tasks dispatch answers named and the probe followed.
    public var dispatched = 0
    /// Tasks that reached a final state, by state.
    public var finished: [String: Int] = [:]
    /// Tasks not final within the probe's timeout.
    public var followTimeouts = 0
    /// Phases (blocked, queue, run, total) of the finished tasks, in seconds.
    public var phaseP50Seconds: [String: Double] = [:]
    public var phaseP95Seconds: [String: Double] = [:]
    /// Each result value's finished tasks by value (`true`, `false`, a number, or `missing`).
    public var values: [String: [String: Int]] = [:]

    /// Tasks that reached a final state, whatever it was.
    public var finishedTotal: Int { finished.values.reduce(0, +) }

    init(probe: String) {
        self.probe = probe
    }

    enum CodingKeys: String, CodingKey {
        case probe, dispatched, finished, values
        case followTimeouts = "follow_timeouts"
        case phaseP50Seconds = "phase_p50_seconds"
        case phaseP95Seconds = "phase_p95_seconds"
    }
}

/// One ingestion probe's rounds over a timed run.
public struct IngestionFigures: Codable, Sendable, Equatable {
    public var probe: String
    public var rounds = 0
    /// Tasks all rounds reported.
    public var tasks = 0
    /// Calls that failed (counted as 0 tasks).
    public var failedCalls = 0
    /// The mean and the lowest of the rounds' rates (tasks over the round's wall time); nil without a round.
    public var meanTasksPerSecond: Double?
    public var minTasksPerSecond: Double?

    init(probe: String) {
        self.probe = probe
    }

    mutating func add(tasks: Int, tasksPerSecond: Double, failedCalls: Int) {
        meanTasksPerSecond = ((meanTasksPerSecond ?? 0) * Double(rounds) + tasksPerSecond) / Double(rounds + 1)
        minTasksPerSecond = min(minTasksPerSecond ?? tasksPerSecond, tasksPerSecond)
        rounds += 1
        self.tasks += tasks
        self.failedCalls += failedCalls
    }

    enum CodingKeys: String, CodingKey {
        case probe, rounds, tasks
        case failedCalls = "failed_calls"
        case meanTasksPerSecond = "mean_tasks_per_second"
        case minTasksPerSecond = "min_tasks_per_second"
    }
}
