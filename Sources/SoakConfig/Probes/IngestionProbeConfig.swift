internal import Yams

/// One entry of `ingestion`: every `every`, `concurrency` simultaneous calls of a task-ingestion
/// endpoint (Pulp's `GET /api/pulp/test/tasks/`), each answering how many tasks it dispatched.
public struct IngestionProbeConfig: Sendable, Equatable {
    /// The `probe` label.
    public let name: String
    public let target: TargetConfig
    public let every: Duration
    /// Which shards run it: shard 0 only (the default) or `all`.
    public let shards: ShardPlacement
    /// Calls made at once each round. Default 1.
    public let concurrency: Int
    /// The call; default `GET /api/pulp/test/tasks/` with a 30 s timeout.
    public let request: HTTPRequestConfig
    /// Where the answer holds the count. Default `tasks_executed`.
    public let countPath: JSONPath
    /// Objectives judged by timed runs and exported for the alert rules.
    public let thresholds: [IngestionThreshold]

    static let keys = ProbeBasics.keys + ["concurrency", "request", "count_path", "thresholds"]
    static let defaultEvery = Duration.seconds(60)
    static let defaultPath = "/api/pulp/test/tasks/"
    static let defaultTimeout = Duration.seconds(30)

    init?(_ fields: Fields, path: String, targets: TargetLookup, reader: ConfigReader) {
        let problemsBefore = reader.problems.count
        let basics = ProbeBasics(fields, path: path, defaultEvery: Self.defaultEvery, targets: targets, reader: reader)
        let concurrency = fields["concurrency"].map { reader.integer($0, path: fields.path("concurrency"), minimum: 1, maximum: Limits.ingestionConcurrency) } ?? 1
        let request = reader.probeRequest(
            fields, key: "request", path: path, defaultPath: Self.defaultPath, defaultTimeout: Self.defaultTimeout)
        let countPath =
            fields["count_path"].map { reader.jsonPath($0, path: fields.path("count_path"), several: false) } ?? (try? JSONPath(parsing: "tasks_executed"))
        let thresholds = fields["thresholds"].map { reader.ingestionThresholds($0, path: fields.path("thresholds")) } ?? []
        guard reader.problems.count == problemsBefore, let basics, let concurrency, let request, let countPath, let thresholds else { return nil }
        name = basics.name
        target = basics.target
        every = basics.every
        shards = basics.shards
        self.concurrency = concurrency
        self.request = request
        self.countPath = countPath
        self.thresholds = thresholds
    }

    var node: Node {
        Node([
            (Node("name"), Node(name)), (Node("target"), Node(target.name)), (Node("every"), Node(DurationSyntax.format(every))), (Node("shards"), Node(shards.rawValue)),
            (Node("concurrency"), Node(String(concurrency))), (Node("request"), Node(request.nodePairs)),
            (Node("count_path"), Node(countPath.description)),
        ] + (thresholds.isEmpty ? [] : [(Node("thresholds"), Node(thresholds.map { Node($0.description) }))]))
    }
}
