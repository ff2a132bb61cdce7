internal import Prometheus
internal import Foundation
internal import Logging
internal import SoakConfig
internal import SoakPostgres

/// Runs one connection-lifetime test back to back for as long as its task lives. During the hold
/// it watches the socket (sending nothing in the idle tests), so a death is known the moment the
/// server or proxy closes the connection, with its time since connect and its reason.
struct HoldRunner: Sendable {
    /// Wait after a run that could not start, doubling for each failure in a row up to `maximumRetryDelay`,
    /// so a dead database is not hammered and a long outage does not flood the log and results file.
    static let retryDelay = Duration.seconds(5)
    static let maximumRetryDelay = Duration.seconds(60)
    /// How long listen_with_notify waits after the hold for notifications still in flight.
    static let drainTime = Duration.seconds(2)

    let config: HoldConfig
    let endpoint: PostgresEndpoint
    let metrics: HoldMetrics
    let results: ResultsFile
    /// What the status page shows of this test.
    let status: HoldStatus
    /// Set in a timed run, for its summary.
    var recorder: DatabaseRecorder? = nil
    let logger: Logger

    func run() async {
        metrics.alive.set(to: 0)
        var failedStarts = 0
        while !Task.isCancelled {
            let (record, reason) = await runOnce()
            await report(record, reason: reason, quietly: failedStarts > 0 && record.result == .failedToStart)
            guard record.result == .failedToStart else {
                failedStarts = 0
                continue
            }
            failedStarts += 1
            let delay = Self.retryDelay(afterFailures: failedStarts)
            status.waiting(until: Date() + delay / .seconds(1))
            do { try await Task.sleep(for: delay) } catch { break }
        }
        metrics.alive.set(to: 0)
        status.stopped()
    }

    /// One run: connect, set up, hold, close. Returns the record and the failure's reason, if any.
    func runOnce() async -> (HoldRecord, PostgresFailure.Reason?) {
        var record = HoldRecord(test: config.test.rawValue, database: endpoint.database, startedAt: Date())
        let script = HoldScript(test: config.test, channel: config.channel, marker: Self.randomToken())
        status.connecting()
        // The backend PID first (the server's, not a pooler's), then the test's opening statements.
        let connection: PostgresConnection
        switch await PostgresConnection.open(
            endpoint, probe: config.test.rawValue, timeout: endpoint.connectTimeout, opening: ["SELECT pg_backend_pid()"] + script.setup,
            openingTimeout: config.statementTimeout)
        {
        case .success(let opened):
            connection = opened.connection
            record.backendPID = opened.openingRows.first?.first?.first.flatMap { $0.flatMap { Int32($0) } }
        case .failure(let failure):
            return finish(&record, failure: failure, result: .failedToStart)
        }
        defer { connection.close() }
        metrics.alive.set(to: 1)
        status.alive(backendPID: record.backendPID)
        logger.info("hold started", metadata: ["database": "\(endpoint.database)", "test": "\(config.test.rawValue)", "backend_pid": "\(record.backendPID.map(String.init) ?? "unknown")"])

        var plan = HoldPlan(connectedAt: connection.connectedAt, hold: config.hold, interval: config.interval)
        var listening = Listening(test: config.test, run: Self.randomToken())
        let notifier: Task<[Int], Never>? = config.test == .listenWithNotify ? {
            let notifier = Notifier(endpoint: endpoint, channel: config.channel ?? "", every: config.notifyEvery ?? config.hold, run: listening.ledger.run, metrics: metrics)
            let end = plan.end
            return Task { await notifier.send(until: end) }
        }() : nil

        var death: PostgresFailure?
        holding: while true {
            switch plan.step(at: .now) {
            case .finish:
                break holding
            case .act:
                for sql in script.work {
                    if case .failure(let failure) = await connection.query(sql, timeout: config.statementTimeout) {
                        death = failure
                        break holding
                    }
                }
                plan.acted()
            case .wait(let until):
                switch await connection.watch(until: until) {
                case .deadline: continue
                case .notifications(let notifications): listening.take(notifications, metrics: metrics)
                case .lost(let failure):
                    death = failure
                    break holding
                }
            }
        }
        record.iterations = plan.iterations

        if let notifier {
            if death != nil { notifier.cancel() }
            let acknowledged = await notifier.value
            let drainUntil = ContinuousClock.now + Self.drainTime
            while death == nil, listening.ledger.missing(acknowledged: acknowledged) > 0, ContinuousClock.now < drainUntil {
                switch await connection.watch(until: drainUntil) {
                case .deadline: break
                case .notifications(let notifications): listening.take(notifications, metrics: metrics)
                case .lost(let failure): death = failure
                }
            }
            // A drain cut short by a stop or reload cannot tell a missing notification from a late one.
            listening.finish(acknowledged: acknowledged, judged: death?.reason != .cancelled, metrics: metrics)
        }
        if death == nil {
            death = await close(connection, script: script, record: &record)
        }
        record.notifications = listening.counts
        // A death is dated when the connection's thread saw it, a survival now.
        let end = death == nil ? nil : connection.lostAt
        return finish(&record, failure: death, result: death == nil ? .survived : .died, since: connection.connectedAt, at: end)
    }

    /// Runs the closing statements (and session_variable's check); the failure, if the connection died.
    private func close(_ connection: PostgresConnection, script: HoldScript, record: inout HoldRecord) async -> PostgresFailure? {
        if let marker = script.sessionMarker {
            switch await connection.query(HoldScript.sessionCheck, timeout: config.statementTimeout) {
            case .failure(let failure): return failure
            case .success(let answer):
                let row = answer.rows.first ?? []
                record.backendPIDAtEnd = row.count > 2 ? row[2].flatMap { Int32($0) } : nil
                let kept = row.count > 1 && row[0] == marker && row[1] == "UTC"
                record.sessionKept = kept
                if !kept {
                    logger.warning(
                        "session_variable: the session's settings are gone; a pooler or proxy gave this client another server session",
                        metadata: ["database": "\(endpoint.database)", "backend_pid": "\(record.backendPID.map(String.init) ?? "unknown")",
                                   "backend_pid_end": "\(record.backendPIDAtEnd.map(String.init) ?? "unknown")"])
                }
            }
        }
        for sql in script.finish {
            if case .failure(let failure) = await connection.query(sql, timeout: config.statementTimeout) { return failure }
        }
        return nil
    }

    private func finish(
        _ record: inout HoldRecord, failure: PostgresFailure?, result: HoldRecord.Result,
        since connectedAt: ContinuousClock.Instant? = nil, at end: (date: Date, instant: ContinuousClock.Instant)? = nil
    ) -> (HoldRecord, PostgresFailure.Reason?) {
        let end = end ?? (Date(), ContinuousClock.now)
        record.endedAt = end.date
        record.result = failure?.reason == .cancelled ? .interrupted : result
        record.alive = failure == nil || record.result == .interrupted
        record.lifetimeSeconds = connectedAt.map { (end.instant - $0) / .seconds(1) }
        if let failure, failure.reason != .cancelled {
            record.reason = failure.reason.rawValue
            record.sqlstate = failure.sqlstate
            record.message = failure.message
        }
        return (record, failure?.reason)
    }

    static func retryDelay(afterFailures failures: Int) -> Duration {
        min(retryDelay * (1 << min(failures - 1, 10)), maximumRetryDelay)
    }

    /// Writes the record (fsynced) and logs it, then moves the metrics. `quietly` logs at debug: a
    /// failed start after another is written and counted but not logged as a warning again.
    func report(_ record: HoldRecord, reason: PostgresFailure.Reason?, quietly: Bool = false) async {
        await results.append(record)
        var metadata: Logger.Metadata = [
            "database": "\(record.database)", "test": "\(record.test)", "result": "\(record.result.rawValue)",
            "lifetime_seconds": "\(record.lifetimeSeconds.map { String(format: "%.3f", $0) } ?? "none")",
            "backend_pid": "\(record.backendPID.map(String.init) ?? "none")", "iterations": "\(record.iterations)",
        ]
        if let reason = record.reason { metadata["reason"] = "\(reason)" }
        if let sqlstate = record.sqlstate { metadata["sqlstate"] = "\(sqlstate)" }
        if let message = record.message { metadata["message"] = "\(message)" }
        if let counts = record.notifications {
            metadata["received"] = "\(counts.received)"
            metadata["missing"] = "\(counts.missing)"
        }
        switch record.result {
        case .survived, .interrupted: logger.info("hold finished", metadata: metadata)
        case .died, .failedToStart: logger.log(level: quietly ? .debug : .warning, "hold finished", metadata: metadata)
        }
        metrics.alive.set(to: 0)
        if record.result != .interrupted { metrics.finished(record, reason: reason) }
        status.finished(record)
        recorder?.hold(record)
    }

    static func randomToken() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }
}

/// What the listen tests have read so far: every notification for listen, the numbered ones for listen_with_notify.
private struct Listening {
    let test: HoldTest
    var ledger: NotificationLedger
    /// listen: every notification that arrived on the channel.
    private var heard = 0
    /// listen_with_notify: the sends the server acknowledged, known when the notifier is done.
    private var acknowledged: [Int] = []
    /// listen_with_notify: whether the wait for late notifications ended on its own, so that the
    /// ones still missing are missing (false when soak stopped waiting).
    private var judged = false

    init(test: HoldTest, run: String) {
        self.test = test
        ledger = NotificationLedger(run: run)
    }

    /// The run's notification counts, from what was heard or from the ledger; nil for the other tests.
    var counts: NotificationCounts? {
        switch test {
        case .listen:
            NotificationCounts(received: heard)
        case .listenWithNotify:
            NotificationCounts(
                sent: acknowledged.count, received: ledger.received, missing: judged ? ledger.missing(acknowledged: acknowledged) : 0,
                duplicate: ledger.duplicates, outOfOrder: ledger.outOfOrder)
        default:
            nil
        }
    }

    mutating func take(_ notifications: [PostgresConnection.Notification], metrics: HoldMetrics) {
        for notification in notifications {
            switch test {
            case .listen:
                heard += 1
                metrics.notification(.received)
            case .listenWithNotify:
                switch ledger.record(payload: notification.payload, receivedAt: notification.receivedAt) {
                case .received(let latency, let outOfOrder):
                    metrics.notification(.received)
                    metrics.notifyLatency?.record(latency)
                    if outOfOrder { metrics.notification(.outOfOrder) }
                case .duplicate:
                    metrics.notification(.duplicate)
                case .foreign:
                    break
                }
            default:
                break
            }
        }
    }

    /// Takes the acknowledged sends; `judged` says whether the ones not heard count as missing.
    mutating func finish(acknowledged: [Int], judged: Bool, metrics: HoldMetrics) {
        self.acknowledged = acknowledged
        self.judged = judged
        metrics.notification(.sent, count: acknowledged.count)
        if judged { metrics.notification(.missing, count: ledger.missing(acknowledged: acknowledged)) }
    }
}
