internal import Foundation
internal import Yams

/// One entry of `databases`: a path to a PostgreSQL database (direct, through a pooler or a proxy)
/// with its periodic probes and its connection-lifetime tests. `name` is the `database` label.
public struct DatabaseConfig: Sendable, Equatable {
    /// The `database` label, unique among the entries.
    public let name: String
    /// The libpq connection string (URI or key=value); nil means libpq's defaults and the PG* environment variables.
    public let dsn: Secret?
    /// Time allowed for a connection to become ready (TCP, TLS, authentication). Default 10s.
    public let connectTimeout: Duration
    /// The periodic probes, in the order written (all four with their defaults when `probes` is absent).
    public let probes: [DatabaseProbeConfig]
    /// The connection-lifetime tests, in the order written.
    public let holds: [HoldConfig]
    /// Which shards run the probes and holds: shard 0 only (the default) or `all`.
    public let shards: ShardPlacement
    /// The password given in the connection string, so that messages can be scrubbed of it.
    let password: String?
    /// Host, port, database and user of the connection string (never the password), for the status page.
    public let endpoint: String

    static let keys = ["name", "dsn", "dsn_file", "connect_timeout", "probes", "holds", "shards"]
    static let defaultConnectTimeout = Duration.seconds(10)

    /// `text` with the connection string's password (if any) replaced by `<secret>`.
    public func redact(_ text: String) -> String {
        guard let password, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "<secret>")
    }

    init?(_ node: Node, path: String, reader: ConfigReader) {
        guard let fields = reader.mapping(node, path: path, known: Self.keys) else { return nil }
        var valid = true
        var name: String?
        if let nameNode = fields["name"] {
            name = reader.labelName(nameNode, path: fields.path("name"))
        } else {
            reader.report("\(path): missing required key \"name\" (the database label), e.g. name: proxy", at: node)
        }
        var dsn: Secret?
        var password: String?
        var endpoint = "libpq defaults (PG* environment)"
        if fields["dsn"] != nil || fields["dsn_file"] != nil {
            dsn = reader.secret(fields, key: "dsn", required: false)
            if let dsn {
                switch ConnectionString.parse(dsn.value) {
                case .success(let parsed):
                    password = parsed.password
                    endpoint = parsed.endpoint
                case .failure(let failure):
                    reader.report("\(fields.path(fields["dsn"] != nil ? "dsn" : "dsn_file")): \(failure.description)", at: fields["dsn"] ?? fields["dsn_file"])
                    valid = false
                }
            } else {
                valid = false
            }
        }
        let connectTimeout =
            fields["connect_timeout"].map { reader.positiveDuration($0, path: fields.path("connect_timeout"), maximum: Limits.timeout) } ?? Self.defaultConnectTimeout
        var probes: [DatabaseProbeConfig]? = DatabaseProbeKind.allCases.map(DatabaseProbeConfig.init(defaultsFor:))
        if let probesNode = fields["probes"] {
            probes = DatabaseProbeConfig.list(probesNode, path: fields.path("probes"), reader: reader)
        }
        var holds: [HoldConfig] = []
        if let holdsNode = fields["holds"] {
            for (index, holdNode) in (reader.sequence(holdsNode, path: fields.path("holds")) ?? []).enumerated() {
                let holdPath = "\(fields.path("holds"))[\(index)]"
                guard let hold = HoldConfig(holdNode, path: holdPath, reader: reader) else {
                    valid = false
                    continue
                }
                if holds.contains(where: { $0.test == hold.test }) {
                    reader.report(
                        "\(holdPath).test: \(hold.test.rawValue) is listed twice for this database; each test runs once per database entry",
                        at: holdNode)
                    valid = false
                }
                holds.append(hold)
            }
        }
        let shards = fields["shards"].map { reader.shardPlacement($0, path: fields.path("shards")) } ?? .first
        guard valid, let name, let connectTimeout, let probes, let shards else { return nil }
        self.name = name
        self.dsn = dsn
        self.connectTimeout = connectTimeout
        self.probes = probes
        self.holds = holds
        self.shards = shards
        self.password = password
        self.endpoint = endpoint
    }

    /// The entry as YAML with every default filled in and the connection string hidden.
    var node: Node {
        var pairs: [(Node, Node)] = [(Node("name"), Node(name))]
        if let dsn {
            let (key, value) = dsn.node(key: "dsn")
            // Where it connects is not secret; the rest of the string may be, so only that is shown.
            pairs.append((key, dsn.source == .inline ? Node(endpoint) : value))
        }
        pairs.append((Node("connect_timeout"), Node(DurationSyntax.format(connectTimeout))))
        pairs.append((Node("probes"), Node(probes.map { (Node($0.kind.rawValue), $0.node) })))
        if !holds.isEmpty { pairs.append((Node("holds"), Node(holds.map(\.node)))) }
        pairs.append((Node("shards"), Node(shards.rawValue)))
        return Node(pairs)
    }
}
