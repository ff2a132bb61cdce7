internal import Yams

/// The `http` section: settings shared by every scenario's HTTP metrics.
public struct HTTPSettings: Sendable, Equatable {
    /// Upper bounds of `soak_http_request_duration_seconds` buckets, in seconds. They cannot change
    /// on reload (a histogram's buckets are fixed for the life of the process).
    public let latencyBuckets: [Double]

    public static let defaultLatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    init(latencyBuckets: [Double] = defaultLatencyBuckets) {
        self.latencyBuckets = latencyBuckets
    }

    init?(_ node: Node?, reader: ConfigReader) {
        guard let node else {
            self.init()
            return
        }
        guard let fields = reader.mapping(node, path: "http", known: ["latency_buckets"]) else { return nil }
        guard let bucketsNode = fields["latency_buckets"] else {
            self.init()
            return
        }
        guard let buckets = reader.buckets(bucketsNode, path: fields.path("latency_buckets")) else { return nil }
        self.init(latencyBuckets: buckets)
    }

    var node: Node {
        Node([(Node("latency_buckets"), Node(latencyBuckets.map { Node(String($0)) }))])
    }
}
