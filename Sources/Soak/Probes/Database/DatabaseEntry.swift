internal import Logging
internal import SoakConfig
internal import SoakPostgres

/// One `databases` entry as a supervised child: its periodic probes (each a ``ProbeLoop`` of the kind
/// ``ProbeRegistry`` registers) and its connection-lifetime holds, sharing one endpoint, which counts
/// the entry's open connections. A reload that changes the entry restarts all of them; one that
/// leaves it alone leaves a 50-minute hold alone.
struct DatabaseEntry: Supervised {
    let config: DatabaseConfig
    let metrics: DatabaseMetrics
    let results: ResultsFile
    let board: StatusBoard
    let recorder: DatabaseRecorder?
    let logger: Logger

    func run() async {
        let endpoint = PostgresEndpoint(config: config, openGauge: metrics.connectionsOpen(database: config.name))
        await withDiscardingTaskGroup { group in
            for probe in config.probes {
                guard let loop = ProbeRegistry.database[probe.kind] else { continue }
                metrics.objectives(database: config.name, probe: probe)
                let context = DatabaseProbeContext(
                    config: probe, endpoint: endpoint, metrics: metrics, recorder: recorder,
                    status: board.databaseProbe(database: config.name, probe: probe.kind.rawValue))
                let child = loop(context)
                group.addTask { await child.run() }
            }
            for hold in config.holds {
                metrics.objectives(database: config.name, hold: hold)
                let runner = HoldRunner(
                    config: hold, endpoint: endpoint, metrics: HoldMetrics(metrics: metrics, database: config.name, test: hold.test),
                    results: results, status: board.hold(database: config.name, test: hold.test.rawValue), recorder: recorder, logger: logger)
                group.addTask { await runner.run() }
            }
        }
    }
}
