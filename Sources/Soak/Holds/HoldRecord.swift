internal import Foundation

/// One finished connection-lifetime run, as appended to `results_file` and logged. Every key is
/// always present (null when it does not apply), so the lines have one schema.
struct HoldRecord: Encodable, Sendable {
    /// How the run ended.
    enum Result: String, Sendable {
        case survived
        case died
        case failedToStart = "failed_to_start"
        /// soak stopped or was reloaded during the hold; not counted in the metrics.
        case interrupted
    }

    let test: String
    let database: String
    var result = Result.failedToStart
    var backendPID: Int32?
    var backendPIDAtEnd: Int32?
    let startedAt: Date
    var endedAt = Date()
    var lifetimeSeconds: Double?
    var alive = false
    var reason: String?
    var sqlstate: String?
    var message: String?
    var iterations = 0
    var notifications: NotificationCounts?
    var sessionKept: Bool?

    init(test: String, database: String, startedAt: Date) {
        self.test = test
        self.database = database
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case kind, test, database, result, alive, reason, sqlstate, message, iterations, notifications
        case backendPID = "backend_pid"
        case backendPIDAtEnd = "backend_pid_end"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case lifetimeSeconds = "lifetime_seconds"
        case sessionKept = "session_kept"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("hold", forKey: .kind)
        try container.encode(test, forKey: .test)
        try container.encode(database, forKey: .database)
        try container.encode(result.rawValue, forKey: .result)
        try container.encode(backendPID, forKey: .backendPID)
        try container.encode(backendPIDAtEnd, forKey: .backendPIDAtEnd)
        try container.encode(Timestamp.rfc3339(startedAt), forKey: .startedAt)
        try container.encode(Timestamp.rfc3339(endedAt), forKey: .endedAt)
        try container.encode(lifetimeSeconds.map { ($0 * 1000).rounded() / 1000 }, forKey: .lifetimeSeconds)
        try container.encode(alive, forKey: .alive)
        try container.encode(reason, forKey: .reason)
        try container.encode(sqlstate, forKey: .sqlstate)
        try container.encode(message, forKey: .message)
        try container.encode(iterations, forKey: .iterations)
        try container.encode(notifications, forKey: .notifications)
        try container.encode(sessionKept, forKey: .sessionKept)
    }
}

/// What became of a listen test's notifications: the `outcome` label of `soak_db_notifications_total`
/// and the keys of ``NotificationCounts``.
enum NotificationOutcome: String, CaseIterable, Sendable {
    /// listen_with_notify: acknowledged by the server.
    case sent
    case received
    /// listen_with_notify: sent and never received.
    case missing
    case duplicate
    case outOfOrder = "out_of_order"
}

/// Notification counts of the listen tests, in a result line and in a timed run's summary.
public struct NotificationCounts: Codable, Sendable, Equatable {
    /// listen_with_notify: sends the server acknowledged (always 0 for listen).
    public var sent = 0
    public var received = 0
    public var missing = 0
    public var duplicate = 0
    public var outOfOrder = 0

    enum CodingKeys: String, CodingKey {
        case sent, received, missing, duplicate
        case outOfOrder = "out_of_order"
    }

    /// Adds another run's counts to these.
    mutating func add(_ other: NotificationCounts) {
        sent += other.sent
        received += other.received
        missing += other.missing
        duplicate += other.duplicate
        outOfOrder += other.outOfOrder
    }
}
