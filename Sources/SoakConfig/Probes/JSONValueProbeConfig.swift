internal import Yams

/// One entry of `json_values`: every `every`, one request whose JSON answer yields named numbers
/// (numbers as they are, booleans as 1 and 0, `length()` of a list or object).
public struct JSONValueProbeConfig: Sendable, Equatable {
    /// The `probe` label.
    public let name: String
    public let target: TargetConfig
    public let every: Duration
    /// Which shards run it: shard 0 only (the default) or `all`.
    public let shards: ShardPlacement
    public let request: HTTPRequestConfig
    /// The `name` label of each value and where it is, in the order written.
    public let values: [(name: String, path: JSONPath)]

    static let keys = ProbeBasics.keys + ["request", "values"]
    static let defaultEvery = Duration.seconds(30)

    public static func == (lhs: JSONValueProbeConfig, rhs: JSONValueProbeConfig) -> Bool {
        lhs.name == rhs.name && lhs.target == rhs.target && lhs.every == rhs.every && lhs.shards == rhs.shards && lhs.request == rhs.request
            && lhs.values.elementsEqual(rhs.values, by: { $0.name == $1.name && $0.path == $1.path })
    }

    init?(_ fields: Fields, path: String, targets: TargetLookup, reader: ConfigReader) {
        let problemsBefore = reader.problems.count
        let basics = ProbeBasics(fields, path: path, defaultEvery: Self.defaultEvery, targets: targets, reader: reader)
        let request = reader.probeRequest(fields, key: "request", path: path, defaultPath: nil)
        var values: [(name: String, path: JSONPath)] = []
        if let valuesNode = fields["values"] {
            for entry in reader.namedEntries(valuesNode, path: fields.path("values"), what: "value names to JSON paths") ?? [] {
                let valuePath = "\(fields.path("values")).\(entry.name)"
                guard reader.labelName(entry.keyNode, path: valuePath) != nil else { continue }
                if let jsonPath = reader.jsonPath(entry.value, path: valuePath, several: false) { values.append((entry.name, jsonPath)) }
            }
            if valuesNode.mapping?.isEmpty == true {
                reader.report("\(fields.path("values")): needs at least one value, e.g. online_workers: online_workers.length()", at: valuesNode)
            }
        } else {
            reader.report("\(path): missing required key \"values\", e.g. values: { online_workers: online_workers.length() }", at: fields.node)
        }
        guard reader.problems.count == problemsBefore, let basics, let request else { return nil }
        name = basics.name
        target = basics.target
        every = basics.every
        shards = basics.shards
        self.request = request
        self.values = values
    }

    var node: Node {
        Node([
            (Node("name"), Node(name)), (Node("target"), Node(target.name)), (Node("every"), Node(DurationSyntax.format(every))), (Node("shards"), Node(shards.rawValue)),
            (Node("request"), Node(request.nodePairs)), (Node("values"), Node(values.map { (Node($0.name), Node($0.path.description)) })),
        ])
    }
}
