/// One request's numbers over a timed run, as the summary table, the summary file and the reports show them.
public struct RequestFigures: Codable, Sendable, Equatable {
    /// Latency percentiles, maximum, minimum and mean, in seconds (0, or nil for min and mean, without samples).
    public struct Latency: Codable, Sendable, Equatable {
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var max: Double
        /// Since `soak-summary/2`.
        public var min: Double?
        /// Since `soak-summary/2`.
        public var mean: Double?

        enum CodingKeys: String, CodingKey {
            case p50, p95, p99, max, min, mean
        }

        /// Every key, `min` and `mean` as null without a request.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(p50, forKey: .p50)
            try container.encode(p95, forKey: .p95)
            try container.encode(p99, forKey: .p99)
            try container.encode(max, forKey: .max)
            try container.encode(min, forKey: .min)
            try container.encode(mean, forKey: .mean)
        }

        public init(p50: Double, p95: Double, p99: Double, max: Double, min: Double? = nil, mean: Double? = nil) {
            self.p50 = p50
            self.p95 = p95
            self.p99 = p99
            self.max = max
            self.min = min
            self.mean = mean
        }
    }

    /// One window of the timeline.
    public struct Point: Codable, Sendable, Equatable {
        public var offsetSeconds: Double
        public var requests: Int
        public var errors: Int
        public var ratePerSecond: Double
        public var p95Seconds: Double?

        enum CodingKeys: String, CodingKey {
            case requests, errors
            case offsetSeconds = "offset_seconds"
            case ratePerSecond = "rate_per_second"
            case p95Seconds = "p95_seconds"
        }
    }

    public var scenario: String
    public var request: String
    public var method: String
    public var requests: Int
    public var errors: Int
    public var ratePerSecond: Double
    public var errorRatio: Double
    public var latency: Latency
    /// The p95 of each phase (resolve, connect, tls on new connections; processing, transfer), in seconds.
    public var phaseP95: [String: Double]
    public var errorsByReason: [String: Int]
    /// Bytes received in answers, headers and bodies (since `soak-summary/2`).
    public var responseBytes: Int?
    public var timeline: [Point]

    /// `scenario/request`, how checks and reports name the request.
    public var key: String { "\(scenario)/\(request)" }

    enum CodingKeys: String, CodingKey {
        case scenario, request, method, requests, errors, latency, timeline
        case ratePerSecond = "rate_per_second"
        case errorRatio = "error_ratio"
        case phaseP95 = "phase_p95_seconds"
        case errorsByReason = "errors_by_reason"
        case responseBytes = "response_bytes"
    }

    public init(
        scenario: String, request: String, method: String, requests: Int, errors: Int, ratePerSecond: Double, errorRatio: Double,
        latency: Latency, phaseP95: [String: Double], errorsByReason: [String: Int], responseBytes: Int? = nil, timeline: [Point]
    ) {
        self.scenario = scenario
        self.request = request
        self.method = method
        self.requests = requests
        self.errors = errors
        self.ratePerSecond = ratePerSecond
        self.errorRatio = errorRatio
        self.latency = latency
        self.phaseP95 = phaseP95
        self.errorsByReason = errorsByReason
        self.responseBytes = responseBytes
        self.timeline = timeline
    }
}
