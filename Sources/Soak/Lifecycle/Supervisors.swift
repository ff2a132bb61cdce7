internal import Logging
internal import ServiceLifecycle
internal import SoakConfig

/// What runs the config: one ``Supervisor`` per section and the results file they write to. The
/// reload path (``ConfigState``) hands each its part of every config; the daemon's service group
/// owns and stops them.
struct Supervisors: Sendable {
    let results: ResultsFile
    let databases: Supervisor<DatabaseConfig>
    let probes: Supervisor<HTTPProbeEntry>
    let scenarios: Supervisor<ScenarioConfig>

    init(
        client: HTTPClient, results: ResultsFile, httpMetrics: HTTPMetrics, databaseMetrics: DatabaseMetrics, probeContext: HTTPProbeContext,
        board: StatusBoard, recorder: DatabaseRecorder?, logger: Logger
    ) {
        self.results = results
        databases = Supervisor(
            key: \.name, handover: .stopFirst,
            naming: .init(noun: "database probes") { database in
                ["database": "\(database.name)", "probes": "\(database.probes.map(\.kind.rawValue))", "holds": "\(database.holds.map(\.test.rawValue))"]
            }, logger: logger
        ) { config in
            DatabaseEntry(config: config, metrics: databaseMetrics, results: results, board: board, recorder: recorder, logger: logger)
        }
        probes = Supervisor(key: \.key, handover: .stopFirst, naming: .init(noun: "probe") { ["probe": "\($0.key)"] }, logger: logger) { entry in
            ProbeRegistry.httpProbe(entry, context: probeContext)
        }
        scenarios = .scenarios(client: client, metrics: httpMetrics, logger: logger)
    }

    /// The group's services, in start order; the group stops them in reverse, each once the one
    /// after it has ended. The results file stops after the supervisors, whose children write to it
    /// as they stop (a followed task's or a hold's `interrupted` line).
    var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        [
            .init(service: results, serviceName: "results-file"),
            .init(service: databases, serviceName: "databases"),
            .init(service: scenarios, serviceName: "scenarios"),
            .init(service: probes, serviceName: "probes"),
        ]
    }
}
