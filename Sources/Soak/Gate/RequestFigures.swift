/// One request's numbers over a timed run, as the summary table, the summary file and the reports show them.
public struct RequestFigures: Codable, Sendable, Equatable {
    /// Latency percentiles and maximum, in seconds.
    public struct Latency: Codable, Sendable, Equatable {
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var max: Double
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
    public var timeline: [Point]

    /// `scenario/request`, how checks and reports name the request.
    public var key: String { "\(scenario)/\(request)" }

    enum CodingKeys: String, CodingKey {
        case scenario, request, method, requests, errors, latency, timeline
        case ratePerSecond = "rate_per_second"
        case errorRatio = "error_ratio"
        case phaseP95 = "phase_p95_seconds"
        case errorsByReason = "errors_by_reason"
    }
}
