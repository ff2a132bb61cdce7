internal import Prometheus
internal import SoakConfig
internal import SoakPostgres

/// The series one connection-lifetime test moves, made once when the test starts.
final class HoldMetrics: Sendable {
    let alive: Gauge
    let lifetime: ValueHistogram
    /// listen_with_notify only.
    let notifyLatency: ValueHistogram?
    let notifyErrors: @Sendable (PostgresFailure.Reason) -> Counter
    private let runs: [HoldRecord.Result: Counter]
    private let disconnects: [PostgresFailure.Reason: Counter]
    private let notifications: [NotificationOutcome: Counter]

    init(metrics: DatabaseMetrics, database: String, test hold: HoldTest) {
        let test = hold.rawValue
        alive = metrics.holdAlive(database: database, test: test)
        lifetime = metrics.holdLifetime(database: database, test: test)
        var runs: [HoldRecord.Result: Counter] = [:]
        for result in [HoldRecord.Result.survived, .died, .failedToStart] {
            runs[result] = metrics.holdRuns(database: database, test: test, result: result.rawValue)
        }
        self.runs = runs
        disconnects = Dictionary(uniqueKeysWithValues: PostgresFailure.Reason.holdDeaths.map {
            ($0, metrics.holdDisconnects(database: database, test: test, reason: $0))
        })
        let outcomes: [NotificationOutcome]
        switch hold {
        case .listen: outcomes = [.received]
        case .listenWithNotify: outcomes = NotificationOutcome.allCases
        default: outcomes = []
        }
        notifications = Dictionary(uniqueKeysWithValues: outcomes.map { ($0, metrics.notifications(database: database, test: test, outcome: $0.rawValue)) })
        notifyLatency = hold == .listenWithNotify ? metrics.notifyLatency(database: database, test: test) : nil
        notifyErrors = { metrics.probeErrors(database: database, probe: "notify", reason: $0) }
        // listen_with_notify's sends fail under `probe="notify"`: every reason at 0 from the start.
        if hold == .listenWithNotify { for reason in PostgresFailure.Reason.counted { _ = notifyErrors(reason) } }
    }

    func notification(_ outcome: NotificationOutcome, count: Int = 1) {
        if count > 0 { notifications[outcome]?.increment(by: Int64(count)) }
    }

    /// Moves the run counters, and for a death the lifetime and the reason.
    func finished(_ record: HoldRecord, reason: PostgresFailure.Reason?) {
        runs[record.result]?.increment()
        if record.result == .died {
            if let lifetime = record.lifetimeSeconds { self.lifetime.record(lifetime) }
            disconnects[reason.flatMap { PostgresFailure.Reason.holdDeaths.contains($0) ? $0 : nil } ?? .other]?.increment()
        }
    }
}
