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
    public let requests: [RequestConfig]
    public let pools: [PoolConfig]
    public let credentials: CredentialsConfig?
    /// Seed for the scenario's randomness; nil for a fresh one each start.
    public let seed: UInt64?
    public let thresholds: [Threshold]

    public static let defaultThresholds: [Threshold] = [
        .latency(quantile: 0.95, below: .milliseconds(500)), .latency(quantile: 0.99, below: .seconds(1)), .errorRatio(below: 0.01),
    ]
    public static let defaultMaxInFlight = 100
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
    public let thresholds: [ScenarioConfig.Threshold]?
}

/// A named pool of values templates draw from with `{{ pool "name" }}`, optionally sliced per user.
public struct PoolConfig: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// Values known at load: inline lists, integer ranges and CSV columns.
        case values([TemplateValue])
        /// Rows of a SQL query run once when the scenario starts, with values to fall back on.
        case sql(dsn: Secret, query: String, fallback: [TemplateValue])
    }

    public let name: String
    public let source: Source
    /// How many values each virtual user gets; nil for the whole pool.
    public let perUser: Int?
    /// The fraction of a user's slice shared with the next user's.
    public let overlap: Double
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
}

/// One user's credential.
public enum Credential: Sendable, Equatable {
    case bearer(token: Secret)
    case basic(username: String, password: Secret)
}

extension RequestConfig.BodyCheck: CustomStringConvertible {
    /// The check as a person would say it: `json items[0] exists`, `json status equals "ok"`, `regex "^ok"`.
    public var description: String {
        switch self {
        case .jsonExists(let path): "json \(path) exists"
        case .jsonEquals(let path, let expected): "json \(path) equals \"\(expected)\""
        case .regex(let pattern): "regex \"\(pattern)\""
        }
    }
}
