internal import Foundation
internal import Logging
import Synchronization

/// A periodic database probe as the status page shows it: whether its last run succeeded, its
/// latency and its error; its ``FailureWatch`` logs when it starts and stops failing.
final class DatabaseProbeStatus: Sendable {
    private let last: Mutex<StatusSnapshot.DatabaseProbe>
    let failures: FailureWatch

    init(database: String, probe: String, board: StatusBoard) {
        last = Mutex(StatusSnapshot.DatabaseProbe(probe: probe))
        failures = FailureWatch(
            noun: "database probe", subject: ["database": "\(database)", "probe": "\(probe)"], interval: board.failureInterval, logger: board.logger)
    }

    func succeeded(latency: Duration?) {
        last.withLock {
            $0.success = true
            $0.lastLatencySeconds = latency.map { $0 / .seconds(1) }
            $0.lastError = nil
            $0.lastRunAt = Date()
        }
        failures.succeeded()
    }

    func failed(_ failure: FailureReport) {
        last.withLock {
            $0.success = false
            $0.lastError = "\(failure.reason): \(failure.message)"
            $0.lastRunAt = Date()
        }
        failures.failed(failure)
    }

    var snapshot: StatusSnapshot.DatabaseProbe { last.withLock { $0 } }
}

extension StatusSnapshot.DatabaseProbe {
    init(probe: String) {
        self.init(probe: probe, success: nil, lastLatencySeconds: nil, lastError: nil, lastRunAt: nil)
    }
}

/// A connection-lifetime test as the status page shows it: alive since when (or waiting to retry),
/// its last result, its runs by result and its notifications.
final class HoldStatus: Sendable {
    private let state: Mutex<StatusSnapshot.Hold>

    init(test: String) {
        state = Mutex(StatusSnapshot.Hold(test: test, state: "connecting", runs: [:]))
    }

    func connecting() { state.withLock { $0.set("connecting", since: Date()) } }

    func alive(backendPID: Int32?) {
        state.withLock {
            $0.set("alive", since: Date())
            $0.backendPID = backendPID
        }
    }

    func waiting(until: Date) {
        state.withLock {
            $0.set("waiting", since: Date())
            $0.until = until
        }
    }

    func stopped() { state.withLock { $0.set("stopped", since: Date()) } }

    /// A finished run: the last result, and the counts (interrupted runs are not counted).
    func finished(_ record: HoldRecord) {
        state.withLock { hold in
            hold.lastResult = record
            guard record.result != .interrupted else { return }
            hold.runs[record.result.rawValue, default: 0] += 1
            if let counts = record.notifications {
                var total = hold.notifications ?? NotificationCounts()
                total.add(counts)
                hold.notifications = total
            }
        }
    }

    var snapshot: StatusSnapshot.Hold { state.withLock { $0 } }
}

extension StatusSnapshot.Hold {
    init(test: String, state: String, runs: [String: Int]) {
        self.init(test: test, state: state, since: Date(), until: nil, backendPID: nil, lastResult: nil, runs: runs, notifications: nil)
    }

    fileprivate mutating func set(_ state: String, since: Date) {
        self.state = state
        self.since = since
        until = nil
        backendPID = nil
    }
}

/// An ingestion probe's last rounds and rate, a task probe's tasks in progress and recent outcomes,
/// or a JSON value probe's current values, with the probe's ``FailureWatch``.
final class HTTPProbeStatus: Sendable {
    static let keptRounds = 5
    static let keptTasks = 10

    private struct State {
        var rounds: [StatusSnapshot.IngestionRound] = []
        var inProgress = 0
        var tasks: [StatusSnapshot.FollowedTask] = []
        var success: Bool?
        var values: [String: Double?] = [:]
        var lastError: String?
    }

    let probe: String
    let failures: FailureWatch
    private let state = Mutex(State())

    init(probe: String, board: StatusBoard) {
        self.probe = probe
        failures = FailureWatch(noun: "probe", subject: ["probe": "\(probe)"], interval: board.failureInterval, logger: board.logger)
    }

    func round(_ round: StatusSnapshot.IngestionRound) {
        state.withLock { $0.rounds = Array(($0.rounds + [round]).suffix(Self.keptRounds)) }
    }

    func inProgress(_ count: Int) { state.withLock { $0.inProgress = count } }

    func taskEnded(_ task: StatusSnapshot.FollowedTask) {
        state.withLock { $0.tasks = Array(($0.tasks + [task]).suffix(Self.keptTasks)) }
    }

    func values(_ values: [String: Double?], error: String?) {
        state.withLock {
            $0.values = values
            $0.success = error == nil
            $0.lastError = error
        }
    }

    var ingestion: StatusSnapshot.Ingestion {
        let rounds = state.withLock { $0.rounds }
        return .init(probe: probe, tasksPerSecond: rounds.last?.tasksPerSecond, rounds: rounds.reversed(), failures: failures.samples)
    }

    var tasks: StatusSnapshot.Tasks {
        let (inProgress, tasks) = state.withLock { ($0.inProgress, $0.tasks) }
        return .init(probe: probe, inProgress: inProgress, recent: tasks.reversed(), failures: failures.samples)
    }

    var jsonValues: StatusSnapshot.JSONValues {
        state.withLock { .init(probe: probe, success: $0.success, values: $0.values, lastError: $0.lastError) }
    }
}
