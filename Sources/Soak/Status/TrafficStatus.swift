internal import Foundation
internal import Logging
import Synchronization

/// One scenario as the status page shows it: in flight, users, dropped sends, schedule lag, and its
/// requests. Fed by the traffic engine; kept across reloads, as its metric series are.
final class ScenarioStatus: Sendable {
    let name: String
    let inFlight = Atomic<Int>(0)
    let virtualUsers = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    private let lag = Mutex(RecentWindow())
    private let requests = Mutex<[String: RequestStatus]>([:])
    private let board: StatusBoard

    init(name: String, board: StatusBoard) {
        self.name = name
        self.board = board
    }

    /// The status of request `name`: made the first time, the same one after.
    func request(_ name: String, method: String) -> RequestStatus {
        requests.withLock { requests in
            if let status = requests[name] { return status }
            let status = RequestStatus(scenario: self.name, name: name, method: method, board: board)
            requests[name] = status
            return status
        }
    }

    func recordLag(seconds: Double) {
        let elapsed = board.elapsed
        lag.withLock { $0.record(latency: seconds, failed: false, elapsed: elapsed) }
    }

    func snapshot(requests names: [String], elapsed: Double) -> (lagP99: Double?, requests: [StatusSnapshot.Request]) {
        let statuses = requests.withLock { requests in names.compactMap { requests[$0] } }
        let lagP99 = lag.withLock { $0.lastMinute(elapsed: elapsed).latency.value(atQuantile: 0.99) }
        return (lagP99, statuses.map { $0.snapshot(elapsed: elapsed) })
    }
}

/// One request of a scenario: its counts and latency since start and over the last minute, and the
/// ``FailureWatch`` that keeps its recent failures and logs when it starts and stops failing.
final class RequestStatus: Sendable {
    let name: String
    let method: String
    let failures: FailureWatch
    private let window = Mutex(RecentWindow())
    private let board: StatusBoard

    init(scenario: String, name: String, method: String, board: StatusBoard) {
        self.name = name
        self.method = method
        self.board = board
        failures = FailureWatch(
            noun: "request", subject: ["scenario": "\(scenario)", "request": "\(name)"], interval: board.failureInterval, logger: board.logger)
    }

    /// Counts one finished request; `failure` says why it failed, nil for a success.
    func record(latency: Duration, failure: FailureReport?) {
        let elapsed = board.elapsed
        window.withLock { $0.record(latency: latency / .seconds(1), failed: failure != nil, elapsed: elapsed) }
        if let failure { failures.failed(failure) } else { failures.succeeded() }
    }

    func snapshot(elapsed: Double) -> StatusSnapshot.Request {
        let (lastMinute, sinceStart) = window.withLock { ($0.lastMinute(elapsed: elapsed), $0.total(elapsed: elapsed)) }
        return StatusSnapshot.Request(
            name: name, method: method, lastMinute: .init(lastMinute), sinceStart: .init(sinceStart), failing: failures.isFailing,
            failures: failures.samples)
    }
}
