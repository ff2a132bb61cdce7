internal import Yams

/// The targets a config declares, for entries that name one: the valid ones, and every declared
/// name (so an entry naming an invalid target does not repeat that target's problem).
struct TargetLookup {
    let valid: [String: TargetConfig]
    let declared: Set<String>
}

/// What every HTTP probe entry starts with: its name (the `probe` label), its target, how often it
/// runs and on which shards.
struct ProbeBasics {
    let name: String
    let target: TargetConfig
    let every: Duration
    let shards: ShardPlacement

    static let keys = ["name", "target", "every", "shards"]

    init?(_ fields: Fields, path: String, defaultEvery: Duration, targets: TargetLookup, reader: ConfigReader) {
        let name = fields["name"].flatMap { reader.labelName($0, path: fields.path("name")) }
        if fields["name"] == nil { reader.report("\(path): missing required key \"name\" (the probe label)", at: fields.node) }
        let target = reader.targetReference(fields, path: path, targets: targets)
        let every = fields["every"].map { reader.positiveDuration($0, path: fields.path("every"), maximum: Limits.interval) } ?? defaultEvery
        let shards = fields["shards"].map { reader.shardPlacement($0, path: fields.path("shards")) } ?? .first
        guard let name, let target, let every, let shards else { return nil }
        self.name = name
        self.target = target
        self.every = every
        self.shards = shards
    }
}

extension ConfigReader {
    /// `shards: all` (the entry runs on every shard) or `shards: 0` (on shard 0 only, the default).
    func shardPlacement(_ node: Node, path: String) -> ShardPlacement? {
        guard let text = string(node, path: path, expected: "all or 0") else { return nil }
        guard let placement = ShardPlacement(rawValue: text) else {
            report("\(path): expected all (run on every shard) or 0 (run on shard 0 only, the default), found \"\(text)\"", at: node)
            return nil
        }
        return placement
    }

    /// The target named by `fields["target"]`, which is required.
    func targetReference(_ fields: Fields, path: String, targets: TargetLookup) -> TargetConfig? {
        guard let targetNode = fields["target"] else {
            report("\(path): missing required key \"target\"", at: fields.node)
            return nil
        }
        guard let targetName = string(targetNode, path: fields.path("target")) else { return nil }
        if let target = targets.valid[targetName] { return target }
        if !targets.declared.contains(targetName) {
            let known = targets.valid.keys.sorted().joined(separator: ", ")
            report(
                "\(fields.path("target")): no target named \"\(targetName)\" (defined: \(known.isEmpty ? "none; add it under targets" : known))",
                at: targetNode)
        }
        return nil
    }

    /// A probe's `request` (or `dispatch`) mapping; when absent, `defaultPath` if there is one.
    func probeRequest(
        _ fields: Fields, key: String, path: String, defaultMethod: String = "GET", defaultPath: String?, defaultTimeout: Duration? = nil,
        example: String = "{ path: /pulp/api/v3/status/ }"
    ) -> HTTPRequestConfig? {
        let scope = Template.Scope(pools: [], hasUsers: false, environment: expansion.environment)
        guard let node = fields[key] else {
            guard let defaultPath, let template = try? Template.compile(defaultPath, scope: scope).get() else {
                report("\(path): missing required key \"\(key)\", e.g. \(key): \(example)", at: fields.node)
                return nil
            }
            return HTTPRequestConfig(method: defaultMethod, path: template, timeout: defaultTimeout)
        }
        guard let requestFields = mapping(node, path: fields.path(key), known: HTTPRequestConfig.keys) else { return nil }
        return HTTPRequestConfig(requestFields, scope: scope, reader: self, defaultMethod: defaultMethod, defaultPath: defaultPath)?
            .defaultingTimeout(to: defaultTimeout)
    }

    /// The entries of a probe section, each read by `make`; names must differ within the section
    /// (compared even for entries with other problems, so every clash is reported at once).
    func probeSection<Probe>(_ node: Node, key: String, known: [String], make: (Fields, String) -> Probe?) -> [Probe] {
        var probes: [Probe] = []
        var names: Set<String> = []
        for (index, item) in (sequence(node, path: key) ?? []).enumerated() {
            let path = "\(key)[\(index)]"
            guard let fields = mapping(item, path: path, known: known) else { continue }
            if let nameNode = fields["name"], let name = nameNode.scalar?.string, !names.insert(name).inserted {
                report("\(path).name: \"\(name)\" is used twice; \(key) names must differ", at: nameNode)
                continue
            }
            if let probe = make(fields, path) { probes.append(probe) }
        }
        return probes
    }
}
