internal import Yams

/// The periodic database probes soak knows, by their key under `probes`.
public enum DatabaseProbeKind: String, Sendable, CaseIterable {
    /// A fresh connection, timed until ready, then closed.
    case connect
    /// A query on a kept connection, timed.
    case query
    /// `pg_stat_activity` of the database, counted by state.
    case activity
    /// Server settings that end or keep connections, and the server version.
    case settings

    var defaultEvery: Duration {
        switch self {
        case .connect: .seconds(30)
        case .query: .seconds(15)
        case .activity: .seconds(30)
        case .settings: .seconds(300)
        }
    }

    var defaultTimeout: Duration { self == .connect ? .seconds(10) : .seconds(5) }

    var keys: [String] { self == .query ? ["every", "timeout", "sql", "name", "thresholds"] : ["every", "timeout", "thresholds"] }

    /// Whether the probe measures a latency a threshold can hold (connect and query do).
    var timesItself: Bool { self == .connect || self == .query }
}

/// One periodic probe of a database: what it runs and how often.
public struct DatabaseProbeConfig: Sendable, Equatable {
    /// Which probe.
    public let kind: DatabaseProbeKind
    /// How often it runs, counted from soak's start (a run that overruns skips the ticks it missed).
    public let every: Duration
    /// Time allowed for one run, connecting included.
    public let timeout: Duration
    /// The query probe's SQL. Default `SELECT 1`.
    public let sql: String
    /// The query probe's `query` label. Default `default`.
    public let queryName: String
    /// Objectives: `pNN < DURATION` (connect and query) and `error_ratio < N%`; judged by timed runs.
    public let thresholds: [ScenarioConfig.Threshold]

    static let defaultSQL = "SELECT 1"
    static let defaultQueryName = "default"

    init(defaultsFor kind: DatabaseProbeKind) {
        self.kind = kind
        self.every = kind.defaultEvery
        self.timeout = kind.defaultTimeout
        self.sql = Self.defaultSQL
        self.queryName = Self.defaultQueryName
        self.thresholds = []
    }

    private init(kind: DatabaseProbeKind, every: Duration, timeout: Duration, sql: String, queryName: String, thresholds: [ScenarioConfig.Threshold]) {
        self.kind = kind
        self.every = every
        self.timeout = timeout
        self.sql = sql
        self.queryName = queryName
        self.thresholds = thresholds
    }

    /// The `probes` mapping: only the probes it names run.
    static func list(_ node: Node, path: String, reader: ConfigReader) -> [DatabaseProbeConfig]? {
        guard let fields = reader.mapping(node, path: path, known: DatabaseProbeKind.allCases.map(\.rawValue)) else { return nil }
        var probes: [DatabaseProbeConfig] = []
        var valid = true
        for entry in fields.entries {
            guard let kind = DatabaseProbeKind(rawValue: entry.key) else { continue }
            // `connect: {}` and a bare `connect:` both mean "with the defaults".
            if entry.value.isNull {
                probes.append(DatabaseProbeConfig(defaultsFor: kind))
            } else if let probe = DatabaseProbeConfig(kind: kind, node: entry.value, path: fields.path(entry.key), reader: reader) {
                probes.append(probe)
            } else {
                valid = false
            }
        }
        return valid ? probes : nil
    }

    private init?(kind: DatabaseProbeKind, node: Node, path: String, reader: ConfigReader) {
        guard let fields = reader.mapping(node, path: path, known: kind.keys) else { return nil }
        let every = fields["every"].map { reader.positiveDuration($0, path: fields.path("every"), maximum: Limits.interval) } ?? kind.defaultEvery
        // Without a timeout of its own, a probe that runs more often than its default timeout gets `every`.
        let timeout = fields["timeout"].map { reader.positiveDuration($0, path: fields.path("timeout"), maximum: Limits.timeout) } ?? min(kind.defaultTimeout, every ?? kind.defaultTimeout)
        let sql = fields["sql"].map { reader.nonEmptyString($0, path: fields.path("sql")) } ?? Self.defaultSQL
        let queryName = fields["name"].map { reader.labelName($0, path: fields.path("name")) } ?? Self.defaultQueryName
        var thresholds: [ScenarioConfig.Threshold]? = []
        if let node = fields["thresholds"] {
            thresholds = reader.thresholds(node, path: fields.path("thresholds"))
            for threshold in thresholds ?? [] {
                switch threshold {
                case .rate:
                    reader.report("\(fields.path("thresholds")): a probe takes no rate threshold; use pNN < DURATION or error_ratio < N%", at: node)
                    thresholds = nil
                case .latency where !kind.timesItself:
                    reader.report("\(fields.path("thresholds")): the \(kind.rawValue) probe measures no latency; only error_ratio < N% applies", at: node)
                    thresholds = nil
                default:
                    break
                }
            }
        }
        guard let every, let timeout, let sql, let queryName, let thresholds else { return nil }
        guard timeout <= every else {
            reader.report(
                "\(fields.path("timeout")): \(DurationSyntax.format(timeout)) is longer than every \(DurationSyntax.format(every)); make it at most \(DurationSyntax.format(every))",
                at: fields["timeout"] ?? node)
            return nil
        }
        self.init(kind: kind, every: every, timeout: timeout, sql: sql, queryName: queryName, thresholds: thresholds)
    }

    var node: Node {
        var pairs: [(Node, Node)] = [
            (Node("every"), Node(DurationSyntax.format(every))),
            (Node("timeout"), Node(DurationSyntax.format(timeout))),
        ]
        if kind == .query {
            pairs.append((Node("sql"), Node(sql)))
            pairs.append((Node("name"), Node(queryName)))
        }
        if !thresholds.isEmpty { pairs.append((Node("thresholds"), Node(thresholds.map { Node($0.description) }))) }
        return Node(pairs)
    }
}
