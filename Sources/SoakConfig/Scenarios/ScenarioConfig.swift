/// One entry of `scenarios`: continuous HTTP traffic to one target, in the open model (an arrival
/// rate) or the closed model (virtual users with wait times).
public struct ScenarioConfig: Sendable, Equatable {
    /// How the scenario paces its requests.
    public enum Workload: Sendable, Equatable {
        case open(OpenModel)
        case closed(ClosedModel)
    }

    /// The open model: requests arrive at `rate`, whatever the answers take; at most `maxInFlight` at once.
    public struct OpenModel: Sendable, Equatable {
        public enum Arrivals: String, Sendable, CaseIterable {
            case constant, poisson
        }

        public let rate: Rate
        public let arrivals: Arrivals
        public let maxInFlight: Int
    }

    /// The closed model (Locust's): `userCount` virtual users split among classes, each looping
    /// request, wait, request.
    public struct ClosedModel: Sendable, Equatable {
        public let userCount: Int
        public let rampUp: Duration
        public let classes: [UserClass]
    }

    /// A class of virtual users with its share, its wait and optionally its own subset of requests.
    public struct UserClass: Sendable, Equatable {
        public let name: String
        /// Relative share of `user_count`; nil when `count` fixes the number.
        public let weight: Int?
        /// A fixed number of users.
        public let count: Int?
        public let wait: Wait
        /// Names of the requests this class sends; nil for all of them.
        public let requests: [String]?
    }

    /// How long a virtual user waits between requests.
    public enum Wait: Sendable, Equatable {
        /// Always the same pause.
        case constant(Duration)
        /// A pause drawn uniformly from the range.
        case between(Duration, Duration)
        /// Requests start every so often, whatever they took (Locust's constant_pacing).
        case pacing(Duration)
    }

    /// A latency, error-ratio or rate objective; exported as `soak_objective_*` for alerts and judged by timed runs.
    public enum Threshold: Sendable, Equatable {
        /// `p95 < 500ms`: the latency percentile stays below the bound.
        case latency(quantile: Double, below: Duration)
        /// `error_ratio < 1%`: failed requests over all requests stay below the bound.
        case errorRatio(below: Double)
        /// `rate > 45/s`: finished requests per second stay above the bound.
        case rate(above: Double)
    }

    public let name: String
    public let target: TargetConfig
    public let workload: Workload
    public internal(set) var requests: [RequestConfig]
    public let pools: [PoolConfig]
    public let credentials: CredentialsConfig?
    /// Seed for the scenario's randomness; nil for a fresh one each start.
    public let seed: UInt64?
    public internal(set) var thresholds: [Threshold]
    /// The shard this process is (set by ``SoakConfiguration/forShard(_:)``): which arrivals it sends
    /// and which virtual users it runs.
    public internal(set) var shard = Shard.whole

    public static let defaultThresholds: [Threshold] = [
        .latency(quantile: 0.95, below: .milliseconds(500)), .latency(quantile: 0.99, below: .seconds(1)), .errorRatio(below: 0.01),
    ]
    public static let defaultMaxInFlight = 100

    /// The thresholds `request` is judged on and exported with: its own, else its scenario's latency
    /// and error-ratio ones (a scenario's `rate` holds for the scenario's requests together).
    public func thresholds(of request: RequestConfig) -> [Threshold] {
        request.thresholds ?? thresholds.filter { if case .rate = $0 { false } else { true } }
    }

    /// The scenario's own `rate > N/s` bounds, judged on all its requests together.
    public var rateThresholds: [Double] {
        thresholds.compactMap { if case .rate(let above) = $0 { above } else { nil } }
    }
}

/// One request of a scenario: a weighted, templated HTTP request with its expectations.
public struct RequestConfig: Sendable, Equatable {
    /// A check on the answer's body; a failure counts with reason `check`.
    public enum BodyCheck: Sendable, Equatable {
        case jsonExists(JSONPath)
        case jsonEquals(JSONPath, String)
        case regex(pattern: String)
    }

    public let name: String
    /// What is sent and which statuses count as success.
    public let request: HTTPRequestConfig
    public let weight: Int
    public let checks: [BodyCheck]
    /// Overrides the scenario's thresholds for this request.
    public internal(set) var thresholds: [ScenarioConfig.Threshold]?
}

/// A named pool of values templates draw from with `{{ pool "name" }}`, optionally sliced per user.
public struct PoolConfig: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// Values known at load: inline lists, integer ranges and CSV columns.
        case values([TemplateValue])
        /// Rows of a SQL query run once when the scenario starts, with values to fall back on.
        case sql(dsn: Secret, query: String, fallback: [TemplateValue])
        /// Values of an HTTP answer fetched once when the scenario starts, with values to fall back on.
        case http(HTTPPoolSource)
    }

    public let name: String
    public let source: Source
    /// How many values each virtual user gets; nil for the whole pool.
    public let perUser: Int?
    /// The fraction of a user's slice shared with the next user's.
    public let overlap: Double
}

/// Where an HTTP pool's values come from: a request to a target (ClickHouse's HTTP interface, say,
/// `?query=SELECT ... FORMAT JSONEachRow`) and how its answer holds them.
public struct HTTPPoolSource: Sendable, Equatable {
    /// How the answer holds the values.
    public enum Format: Sendable, Equatable {
        /// One JSON document; the path leads to the values (`data[].id`) or to a list of them.
        case json(JSONPath)
        /// One JSON document a line (ClickHouse's JSONEachRow); the path leads to the value in each.
        case jsonLines(JSONPath)
        /// CSV with a header row (CSVWithNames); the values of one column.
        case csv(column: String)
        /// Tab-separated values with a header row (TabSeparatedWithNames); the values of one column.
        case tsv(column: String)
    }

    public let target: TargetConfig
    public let request: HTTPRequestConfig
    public let format: Format
    public let fallback: [TemplateValue]
}

/// Per-user credentials read from a file: one bearer token per line, or `username,password` rows.
public struct CredentialsConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case bearer, basic
    }

    public let file: String
    public let kind: Kind
    /// One per virtual user, in file order.
    public let entries: [Credential]
    /// Each entry's user id, from the file's `id_column`; nil without one.
    public let ids: [String]?

    /// The `user.id` of virtual user `index`: its id from the file's id column, or its basic username;
    /// nil when the file gives none.
    public func userID(at index: Int) -> String? {
        if let ids, index < ids.count { return ids[index] }
        if index < entries.count, case .basic(let username, _) = entries[index] { return username }
        return nil
    }
}

/// One user's credential.
public enum Credential: Sendable, Equatable {
    case bearer(token: Secret)
    case basic(username: String, password: Secret)
}
