internal import Yams

/// One entry of `tasks`: every `every`, send a dispatch request, take the task hrefs from its answer,
/// and follow each task by polling it until it reaches a final state or the probe's timeout.
public struct TaskProbeConfig: Sendable, Equatable {
    /// The `probe` label.
    public let name: String
    public let target: TargetConfig
    public let every: Duration
    /// Which shards run it: shard 0 only (the default) or `all`.
    public let shards: ShardPlacement
    /// The request that dispatches; default method POST, expected status 2xx.
    public let dispatch: HTTPRequestConfig
    /// Where the dispatch answer holds task hrefs, tried in order until one leads somewhere; `[]`
    /// takes every element. Default `task`, then `tasks[].task_href`.
    public let taskHrefs: [JSONPath]
    /// How often a task in progress is polled. Default 2s.
    public let pollInterval: Duration
    /// How long a task is followed before it counts as a follow timeout. Default 10m.
    public let timeout: Duration
    /// Tasks followed at once; a dispatch that would pass it is skipped and counted. Default 100.
    public let maxInProgress: Int
    /// Values read from each finished task into `soak_task_result_value`, in the order written.
    public let resultValues: [TaskResultValue]
    /// Objectives judged by timed runs and exported for the alert rules.
    public let thresholds: [TaskThreshold]

    static let keys = ProbeBasics.keys + ["dispatch", "task_hrefs", "poll_interval", "timeout", "max_in_progress", "result_values", "thresholds"]
    static let defaultEvery = Duration.seconds(300)
    static let defaultHrefs = ["task", "tasks[].task_href"]

    init?(_ fields: Fields, path: String, targets: TargetLookup, reader: ConfigReader) {
        let problemsBefore = reader.problems.count
        let basics = ProbeBasics(fields, path: path, defaultEvery: Self.defaultEvery, targets: targets, reader: reader)
        let dispatch = reader.probeRequest(
            fields, key: "dispatch", path: path, defaultMethod: "POST", defaultPath: nil,
            example: "{ method: POST, path: /pulp/api/v3/orphans/cleanup/ }")
        var hrefs = Self.defaultHrefs.compactMap { try? JSONPath(parsing: $0) }
        if let hrefsNode = fields["task_hrefs"] {
            let items = hrefsNode.sequence.map(Array.init) ?? [hrefsNode]
            hrefs = items.compactMap { reader.jsonPath($0, path: fields.path("task_hrefs"), several: true) }
            if items.isEmpty { reader.report("\(fields.path("task_hrefs")): needs at least one path, e.g. task", at: hrefsNode) }
        }
        let pollInterval = fields["poll_interval"].map { reader.positiveDuration($0, path: fields.path("poll_interval"), maximum: Limits.interval) } ?? .seconds(2)
        let timeout = fields["timeout"].map { reader.positiveDuration($0, path: fields.path("timeout"), maximum: Limits.lifetime) } ?? .seconds(600)
        if let pollInterval, let timeout, pollInterval >= timeout, let node = fields["poll_interval"] ?? fields["timeout"] {
            reader.report(
                "\(fields.path("poll_interval")): \(DurationSyntax.format(pollInterval)) is not shorter than timeout \(DurationSyntax.format(timeout)); poll more often or follow longer",
                at: node)
        }
        let maxInProgress = fields["max_in_progress"].map { reader.integer($0, path: fields.path("max_in_progress"), minimum: 1, maximum: Limits.tasksInProgress) } ?? 100
        var resultValues: [TaskResultValue] = []
        if let valuesNode = fields["result_values"] {
            for entry in reader.namedEntries(valuesNode, path: fields.path("result_values"), what: "value names to JSON paths in the task") ?? [] {
                let valuePath = "\(fields.path("result_values")).\(entry.name)"
                guard reader.labelName(entry.keyNode, path: valuePath) != nil else { continue }
                if let jsonPath = reader.jsonPath(entry.value, path: valuePath, several: false) {
                    resultValues.append(TaskResultValue(name: entry.name, path: jsonPath))
                }
            }
        }
        let thresholds = fields["thresholds"].map { reader.taskThresholds($0, path: fields.path("thresholds"), resultValues: resultValues) } ?? []
        guard reader.problems.count == problemsBefore, let basics, let dispatch, let pollInterval, let timeout, let maxInProgress, let thresholds
        else { return nil }
        name = basics.name
        target = basics.target
        every = basics.every
        shards = basics.shards
        self.dispatch = dispatch
        taskHrefs = hrefs
        self.pollInterval = pollInterval
        self.timeout = timeout
        self.maxInProgress = maxInProgress
        self.resultValues = resultValues
        self.thresholds = thresholds
    }

    var node: Node {
        Node([
            (Node("name"), Node(name)), (Node("target"), Node(target.name)), (Node("every"), Node(DurationSyntax.format(every))), (Node("shards"), Node(shards.rawValue)),
            (Node("dispatch"), Node(dispatch.nodePairs)), (Node("task_hrefs"), Node(taskHrefs.map { Node($0.description) })),
            (Node("poll_interval"), Node(DurationSyntax.format(pollInterval))), (Node("timeout"), Node(DurationSyntax.format(timeout))),
            (Node("max_in_progress"), Node(String(maxInProgress))),
        ] + (resultValues.isEmpty ? [] : [(Node("result_values"), Node(resultValues.map { (Node($0.name), Node($0.path.description)) }))])
            + (thresholds.isEmpty ? [] : [(Node("thresholds"), Node(thresholds.map { Node($0.description) }))]))
    }
}
