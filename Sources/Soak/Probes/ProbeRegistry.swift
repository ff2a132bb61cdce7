internal import SoakConfig

/// Every probe kind soak runs, registered by kind as blackbox_exporter's prober registry is: adding a
/// kind is one ``Prober`` type and one line here (an HTTP kind also has its config section, an
/// ``HTTPProbeEntry`` case).
enum ProbeRegistry {
    /// The database probe kinds: the loop that runs one database's probe of that kind.
    static let database: [DatabaseProbeKind: @Sendable (DatabaseProbeContext) -> any Supervised] = [
        .connect: { $0.loop(ConnectProbe.init) },
        .query: { $0.loop(QueryProbe.init) },
        .activity: { $0.loop(ActivityProbe.init) },
        .settings: { $0.loop(SettingsProbe.init) },
    ]

    /// The HTTP probe kinds, by config section: the loop that runs the entry's probe.
    static func httpProbe(_ entry: HTTPProbeEntry, context: HTTPProbeContext) -> any Supervised {
        switch entry {
        case .ingestion(let config): context.loop(IngestionProbe.self, config, every: config.every)
        case .task(let config): context.loop(TaskProbe.self, config, every: config.every)
        case .jsonValues(let config): context.loop(JSONValueProbe.self, config, every: config.every)
        }
    }
}

/// One configured HTTP probe of any kind, compared whole so a reload restarts only what changed.
enum HTTPProbeEntry: Equatable, Sendable {
    case ingestion(IngestionProbeConfig)
    case task(TaskProbeConfig)
    case jsonValues(JSONValueProbeConfig)

    /// Every probe of a config, in the order of its sections.
    static func all(in config: SoakConfiguration) -> [HTTPProbeEntry] {
        config.ingestion.map(Self.ingestion) + config.tasks.map(Self.task) + config.jsonValues.map(Self.jsonValues)
    }

    /// The section and name, unique in a config.
    var key: String {
        switch self {
        case .ingestion(let config): "ingestion/\(config.name)"
        case .task(let config): "tasks/\(config.name)"
        case .jsonValues(let config): "json_values/\(config.name)"
        }
    }
}
