internal import Yams

/// A loaded, defaulted and validated soak config. Only ``ConfigLoader`` can make one.
public struct SoakConfiguration: Sendable {
    /// The `web` section.
    public let web: WebConfig
    /// Where finished holds, tasks and gate runs are appended as JSON lines; nil for nowhere.
    public let resultsFile: String?
    /// The `http` section.
    public let http: HTTPSettings
    /// The `targets` section, in the order written.
    public let targets: [TargetConfig]
    /// The `scenarios` section, in the order written.
    public internal(set) var scenarios: [ScenarioConfig]
    /// The `databases` section, in the order written.
    public internal(set) var databases: [DatabaseConfig]
    /// The `ingestion` section, in the order written.
    public internal(set) var ingestion: [IngestionProbeConfig]
    /// The `tasks` section, in the order written.
    public internal(set) var tasks: [TaskProbeConfig]
    /// The `json_values` section, in the order written.
    public internal(set) var jsonValues: [JSONValueProbeConfig]
    /// The shard this config runs as (``forShard(_:)``); the whole load unless sharded.
    public internal(set) var shard = Shard.whole

    static let keys = ["web", "results_file", "http", "targets", "scenarios", "ingestion", "tasks", "json_values", "databases"]

    /// The config of an empty file: nothing runs but soak's own endpoints.
    static let empty = SoakConfiguration(
        web: WebConfig(), resultsFile: nil, http: HTTPSettings(), targets: [], scenarios: [], databases: [], ingestion: [], tasks: [], jsonValues: [])

    private init(
        web: WebConfig, resultsFile: String?, http: HTTPSettings, targets: [TargetConfig], scenarios: [ScenarioConfig], databases: [DatabaseConfig],
        ingestion: [IngestionProbeConfig], tasks: [TaskProbeConfig], jsonValues: [JSONValueProbeConfig]
    ) {
        self.web = web
        self.resultsFile = resultsFile
        self.http = http
        self.targets = targets
        self.scenarios = scenarios
        self.databases = databases
        self.ingestion = ingestion
        self.tasks = tasks
        self.jsonValues = jsonValues
    }

    init?(_ root: Node, reader: ConfigReader) {
        guard let fields = reader.mapping(root, path: "", known: Self.keys) else { return nil }
        let web = WebConfig(fields["web"], reader: reader)
        let resultsFile = fields["results_file"].map { reader.path($0, path: "results_file") }
        let http = HTTPSettings(fields["http"], reader: reader)

        var targets: [TargetConfig] = []
        var declaredTargets: Set<String> = []
        var targetsValid = true
        if let targetsNode = fields["targets"] {
            for entry in reader.namedEntries(targetsNode, path: "targets", what: "target names to targets") ?? [] {
                declaredTargets.insert(entry.name)
                if let target = TargetConfig(name: entry.name, nameNode: entry.keyNode, node: entry.value, reader: reader) {
                    targets.append(target)
                } else {
                    targetsValid = false
                }
            }
        }
        let lookup = TargetLookup(valid: Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }), declared: declaredTargets)
        var scenarios: [ScenarioConfig] = []
        if let scenariosNode = fields["scenarios"] {
            var names: Set<String> = []
            var totalRate = 0.0
            for (index, node) in (reader.sequence(scenariosNode, path: "scenarios") ?? []).enumerated() {
                guard let scenario = ScenarioConfig(node, path: "scenarios[\(index)]", targets: lookup, reader: reader) else { continue }
                if !names.insert(scenario.name).inserted {
                    reader.report("scenarios[\(index)].name: \"\(scenario.name)\" is used twice; scenario names must differ", at: node)
                }
                if case .open(let model) = scenario.workload {
                    totalRate += model.rate.perSecond
                    if totalRate > Limits.maximumRatePerSecond {
                        reader.report(
                            "scenarios[\(index)].rate: the open-model scenarios add up to \(Rate.format(perSecond: totalRate)), beyond what one soak process sends, at most \(Rate.format(perSecond: Limits.maximumRatePerSecond)) in all; split the load over several soak processes",
                            at: node.mapping?.first(where: { $0.key.scalar?.string == "rate" })?.value ?? node)
                        totalRate = -.infinity
                    }
                }
                scenarios.append(scenario)
            }
        }
        var databases: [DatabaseConfig] = []
        if let databasesNode = fields["databases"] {
            var names: Set<String> = []
            for (index, node) in (reader.sequence(databasesNode, path: "databases") ?? []).enumerated() {
                // Names are compared even for entries with other problems, so every clash is reported at once.
                if let nameNode = node.mapping?.first(where: { $0.key.scalar?.string == "name" })?.value, let name = nameNode.scalar?.string,
                    !names.insert(name).inserted
                {
                    reader.report("databases[\(index)].name: \"\(name)\" is used twice; database names must differ", at: nameNode)
                }
                if let database = DatabaseConfig(node, path: "databases[\(index)]", reader: reader) { databases.append(database) }
            }
        }
        let ingestion = fields["ingestion"].map { node in
            reader.probeSection(node, key: "ingestion", known: IngestionProbeConfig.keys) {
                IngestionProbeConfig($0, path: $1, targets: lookup, reader: reader)
            }
        } ?? []
        let tasks = fields["tasks"].map { node in
            reader.probeSection(node, key: "tasks", known: TaskProbeConfig.keys) { TaskProbeConfig($0, path: $1, targets: lookup, reader: reader) }
        } ?? []
        let jsonValues = fields["json_values"].map { node in
            reader.probeSection(node, key: "json_values", known: JSONValueProbeConfig.keys) {
                JSONValueProbeConfig($0, path: $1, targets: lookup, reader: reader)
            }
        } ?? []
        guard reader.problems.isEmpty, let web, let http, resultsFile != .some(nil), targetsValid else { return nil }
        self.init(
            web: web, resultsFile: resultsFile ?? nil, http: http, targets: targets, scenarios: scenarios, databases: databases,
            ingestion: ingestion, tasks: tasks, jsonValues: jsonValues)
    }

    /// The config as YAML with every default filled in and every secret shown as `<secret>`.
    public var redactedYAML: String {
        var pairs: [(Node, Node)] = [(Node("web"), web.node)]
        if let resultsFile { pairs.append((Node("results_file"), Node(resultsFile))) }
        pairs.append((Node("http"), http.node))
        if !targets.isEmpty {
            pairs.append((Node("targets"), Node(targets.map { (Node($0.name), $0.node) })))
        }
        if !scenarios.isEmpty {
            pairs.append((Node("scenarios"), Node(scenarios.map(\.node))))
        }
        if !ingestion.isEmpty { pairs.append((Node("ingestion"), Node(ingestion.map(\.node)))) }
        if !tasks.isEmpty { pairs.append((Node("tasks"), Node(tasks.map(\.node)))) }
        if !jsonValues.isEmpty { pairs.append((Node("json_values"), Node(jsonValues.map(\.node)))) }
        if !databases.isEmpty {
            pairs.append((Node("databases"), Node(databases.map(\.node))))
        }
        return (try? Yams.serialize(node: Node(pairs), sortKeys: false)) ?? "# the config could not be shown\n"
    }

    /// What this config makes soak do, a line per item, for `soak check-config`.
    public var summary: [String] {
        var lines = ["web: listen on \(web.listenAddress)"]
        lines.append("results_file: \(resultsFile ?? "none")")
        if targets.isEmpty {
            lines.append("targets: none")
        } else {
            lines.append("targets: \(targets.count)")
            for target in targets {
                var details = [target.url, "timeout \(DurationSyntax.format(target.timeout))"]
                switch target.auth {
                case .basic: details.append("basic auth")
                case .bearer: details.append("bearer token")
                case nil: break
                }
                if target.tls != nil { details.append("custom TLS") }
                lines.append("  \(target.name): \(details.joined(separator: ", "))")
            }
        }
        if scenarios.isEmpty {
            lines.append("scenarios: none")
        } else {
            lines.append("scenarios: \(scenarios.count)")
            for scenario in scenarios {
                let model: String
                switch scenario.workload {
                case .open(let open): model = "\(open.rate) \(open.arrivals.rawValue) arrivals, at most \(open.maxInFlight) in flight"
                case .closed(let closed):
                    model = "\(closed.userCount) users (\(closed.classes.map(\.name).joined(separator: ", ")))"
                        + (closed.rampUp > .zero ? ", ramp-up \(DurationSyntax.format(closed.rampUp))" : "")
                }
                lines.append("  \(scenario.name): \(scenario.target.name), \(model), \(scenario.requests.count) requests")
            }
        }
        lines += Self.section("ingestion", ingestion.map { "\($0.name): \($0.target.name) \($0.request.path.source), \($0.concurrency) at once every \(DurationSyntax.format($0.every))" })
        lines += Self.section("tasks", tasks.map {
            "\($0.name): \($0.target.name) \($0.dispatch.method) \($0.dispatch.path.source) every \(DurationSyntax.format($0.every)), followed for up to \(DurationSyntax.format($0.timeout))"
        })
        lines += Self.section("json_values", jsonValues.map {
            "\($0.name): \($0.target.name) \($0.request.path.source) every \(DurationSyntax.format($0.every)), values \($0.values.map(\.name).joined(separator: ", "))"
        })
        if databases.isEmpty {
            lines.append("databases: none")
        } else {
            lines.append("databases: \(databases.count)")
            for database in databases {
                let probes = database.probes.map { "\($0.kind.rawValue) every \(DurationSyntax.format($0.every))" }
                let holds = database.holds.map { "\($0.test.rawValue) \(DurationSyntax.format($0.hold))" }
                lines.append("  \(database.name): probes \(probes.isEmpty ? "none" : probes.joined(separator: ", ")); holds \(holds.isEmpty ? "none" : holds.joined(separator: ", "))")
            }
        }
        return lines + thresholdSummary
    }

    /// `key: none`, or `key: N` and a line per item.
    private static func section(_ key: String, _ items: [String]) -> [String] {
        items.isEmpty ? ["\(key): none"] : ["\(key): \(items.count)"] + items.map { "  \($0)" }
    }
}
