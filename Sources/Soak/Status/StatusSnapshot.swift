internal import Foundation

/// What `GET /api/v1/status` answers and the status page shows, at one moment: schema
/// `soak-status/1`, documented field by field in docs/operations.md#the-status-api.
struct StatusSnapshot: Encodable, Sendable {
    static let schema = "soak-status/1"

    /// The running process.
    struct Process: Encodable, Sendable {
        var version: String
        var revision: String
        var startedAt: Date
        var uptimeSeconds: Double
        var listeningOn: String
        var configFile: String
        var lifecycleEnabled: Bool

        enum CodingKeys: String, CodingKey {
            case version, revision
            case startedAt = "started_at"
            case uptimeSeconds = "uptime_seconds"
            case listeningOn = "listening_on"
            case configFile = "config_file"
            case lifecycleEnabled = "lifecycle_enabled"
        }
    }

    /// The latest config load and whether one is being applied.
    struct Reload: Encodable, Sendable {
        /// `ok`, `failed` (the previous config keeps running) or `applying`.
        var state: String
        var at: Date
        var problems: [String]
    }

    /// Counts and latency of a stretch of time.
    struct Figures: Encodable, Sendable, Equatable {
        var requests: UInt64
        var failures: UInt64
        var seconds: Double
        var ratePerSecond: Double?
        var errorRatio: Double?
        var p50Seconds: Double?
        var p95Seconds: Double?
        var p99Seconds: Double?

        enum CodingKeys: String, CodingKey {
            case requests, failures, seconds
            case ratePerSecond = "rate_per_second"
            case errorRatio = "error_ratio"
            case p50Seconds = "p50_seconds"
            case p95Seconds = "p95_seconds"
            case p99Seconds = "p99_seconds"
        }

        init(_ figures: RecentWindow.Figures) {
            requests = figures.count
            failures = figures.failures
            seconds = figures.seconds
            ratePerSecond = figures.ratePerSecond
            errorRatio = figures.failureRatio
            p50Seconds = figures.latency.value(atQuantile: 0.5)
            p95Seconds = figures.latency.value(atQuantile: 0.95)
            p99Seconds = figures.latency.value(atQuantile: 0.99)
        }
    }

    struct Request: Encodable, Sendable {
        var name: String
        var method: String
        var lastMinute: Figures
        var sinceStart: Figures
        var failing: Bool
        var failures: [FailureSample]

        enum CodingKeys: String, CodingKey {
            case name, method, failing, failures
            case lastMinute = "last_minute"
            case sinceStart = "since_start"
        }
    }

    struct Scenario: Encodable, Sendable {
        var name: String
        var target: String
        /// `open` or `closed`.
        var model: String
        /// The configured rate (open) or users (closed), as written.
        var load: String
        var inFlight: Int
        var virtualUsers: Int
        var droppedTotal: Int
        var scheduleLagP99Seconds: Double?
        var requests: [Request]

        enum CodingKeys: String, CodingKey {
            case name, target, model, load, requests
            case inFlight = "in_flight"
            case virtualUsers = "virtual_users"
            case droppedTotal = "dropped_total"
            case scheduleLagP99Seconds = "schedule_lag_p99_seconds"
        }
    }

    struct DatabaseProbe: Encodable, Sendable {
        var probe: String
        /// nil until the probe has run.
        var success: Bool?
        var lastLatencySeconds: Double?
        var lastError: String?
        var lastRunAt: Date?

        enum CodingKeys: String, CodingKey {
            case probe, success
            case lastLatencySeconds = "last_latency_seconds"
            case lastError = "last_error"
            case lastRunAt = "last_run_at"
        }
    }

    struct Hold: Encodable, Sendable {
        var test: String
        /// `connecting`, `alive` (since `since`), `waiting` (to retry until `until`, after a failed start) or `stopped`.
        var state: String
        var since: Date?
        var until: Date?
        var backendPID: Int32?
        var lastResult: HoldRecord?
        var runs: [String: Int]
        var notifications: NotificationCounts?

        enum CodingKeys: String, CodingKey {
            case test, state, since, until, runs, notifications
            case backendPID = "backend_pid"
            case lastResult = "last_result"
        }
    }

    struct Database: Encodable, Sendable {
        var name: String
        /// Host, port, database and user of the connection string; never the password.
        var endpoint: String
        var probes: [DatabaseProbe]
        var holds: [Hold]
    }

    struct IngestionRound: Encodable, Sendable {
        var startedAt: String
        var tasks: Int
        var seconds: Double
        var tasksPerSecond: Double
        var failedCalls: Int

        enum CodingKeys: String, CodingKey {
            case tasks, seconds
            case startedAt = "started_at"
            case tasksPerSecond = "tasks_per_second"
            case failedCalls = "failed_calls"
        }
    }

    struct Ingestion: Encodable, Sendable {
        var probe: String
        var tasksPerSecond: Double?
        var rounds: [IngestionRound]
        var failures: [FailureSample]

        enum CodingKeys: String, CodingKey {
            case probe, rounds, failures
            case tasksPerSecond = "tasks_per_second"
        }
    }

    struct FollowedTask: Encodable, Sendable {
        var href: String
        var outcome: String
        var state: String?
        var phases: [String: Double]
        var endedAt: Date

        enum CodingKeys: String, CodingKey {
            case href, outcome, state, phases
            case endedAt = "ended_at"
        }
    }

    struct Tasks: Encodable, Sendable {
        var probe: String
        var inProgress: Int
        var recent: [FollowedTask]
        var failures: [FailureSample]

        enum CodingKeys: String, CodingKey {
            case probe, recent, failures
            case inProgress = "in_progress"
        }
    }

    struct JSONValues: Encodable, Sendable {
        var probe: String
        var success: Bool?
        /// Each configured value; null when the last answer lacked it.
        var values: [String: Double?]
        var lastError: String?

        enum CodingKeys: String, CodingKey {
            case probe, success, values
            case lastError = "last_error"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(probe, forKey: .probe)
            try container.encode(success, forKey: .success)
            try container.encode(lastError, forKey: .lastError)
            // NaN and infinities are not JSON: a value the answer lacked is null.
            try container.encode(values.mapValues { $0.flatMap { $0.isFinite ? $0 : nil } }, forKey: .values)
        }
    }

    struct ResultsFileTail: Encodable, Sendable {
        var path: String?
        /// The last lines written, oldest first.
        var lines: [String]
    }

    var schema = Self.schema
    var now: Date
    var process: Process
    var reload: Reload
    /// `metrics` always; `prometheus` and `grafana` when `web.links` sets them.
    var links: [String: String]
    var scenarios: [Scenario]
    var databases: [Database]
    var ingestion: [Ingestion]
    var tasks: [Tasks]
    var jsonValues: [JSONValues]
    var resultsFile: ResultsFileTail
    /// The loaded config with defaults filled in and secrets redacted.
    var config: String

    enum CodingKeys: String, CodingKey {
        case schema, now, process, reload, links, scenarios, databases, ingestion, tasks, config
        case jsonValues = "json_values"
        case resultsFile = "results_file"
    }

    /// The snapshot as JSON: RFC 3339 dates, sorted keys.
    func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.rfc3339(date))
        }
        return (try? Array(encoder.encode(self))) ?? Array(#"{"error":"the status could not be encoded"}"#.utf8)
    }
}
