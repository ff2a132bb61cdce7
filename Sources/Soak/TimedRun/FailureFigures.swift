/// One row of a timed run's failures table: a request's failures with one reason, code and message.
public struct FailureFigures: Codable, Sendable, Equatable {
    public var scenario: String
    public var request: String
    public var method: String
    /// The `reason` label of `soak_http_request_errors_total`.
    public var reason: String
    /// The `code` label: 0 for a transport failure, else the status of the answer.
    public var code: Int
    /// libcurl's message for a transport failure, or what the answer failed (`status 503, expected 2xx`,
    /// a body check); nil for the failures counted together once a request had 50 distinct messages.
    public var message: String?
    public var count: Int
    /// RFC 3339 UTC.
    public var firstSeen: String
    public var lastSeen: String

    /// `scenario/request`.
    public var key: String { "\(scenario)/\(request)" }

    enum CodingKeys: String, CodingKey {
        case scenario, request, method, reason, code, message, count
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
    }

    /// Every key, `message` as null for the failures past the distinct messages kept.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(request, forKey: .request)
        try container.encode(method, forKey: .method)
        try container.encode(reason, forKey: .reason)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encode(count, forKey: .count)
        try container.encode(firstSeen, forKey: .firstSeen)
        try container.encode(lastSeen, forKey: .lastSeen)
    }
}

extension FailureFigures {
    /// The most frequent first, then by request, reason, code and message.
    static func sorted(_ rows: [FailureFigures]) -> [FailureFigures] {
        rows.sorted { ($1.count, $0.key, $0.reason, $0.code, $0.message ?? "") < ($0.count, $1.key, $1.reason, $1.code, $1.message ?? "") }
    }

    /// Rows of several shards added up: one row per request, reason, code and message, its counts
    /// summed, seen first at the earliest and last at the latest.
    static func merged(_ rows: [FailureFigures]) -> [FailureFigures] {
        var merged: [FailureFigures] = []
        for row in rows {
            if let index = merged.firstIndex(where: {
                $0.key == row.key && $0.method == row.method && $0.reason == row.reason && $0.code == row.code && $0.message == row.message
            }) {
                merged[index].count += row.count
                merged[index].firstSeen = min(merged[index].firstSeen, row.firstSeen)
                merged[index].lastSeen = max(merged[index].lastSeen, row.lastSeen)
            } else {
                merged.append(row)
            }
        }
        return sorted(merged)
    }
}
