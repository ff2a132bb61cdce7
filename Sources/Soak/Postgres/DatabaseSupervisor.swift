internal import Logging
internal import Prometheus
internal import SoakConfig

/// Runs the probes and holds of every `databases` entry. A reload restarts only the entries whose
/// config changed, so a 50-minute hold is not cut short by an unrelated edit.
actor DatabaseSupervisor {
    private struct Running {
        let config: DatabaseConfig
        let tasks: [Task<Void, Never>]
    }

    private let metrics: DatabaseMetrics
    private let results: ResultsFile
    private let board: StatusBoard
    private let recorder: DatabaseRecorder?
    private let logger: Logger
    private var running: [String: Running] = [:]
    /// Set by ``shutdown()``: nothing starts after it.
    private var stopped = false

    /// `recorder` is set in a timed run, for its summary.
    init(metrics: DatabaseMetrics, results: ResultsFile, board: StatusBoard, recorder: DatabaseRecorder? = nil, logger: Logger) {
        self.metrics = metrics
        self.results = results
        self.board = board
        self.recorder = recorder
        self.logger = logger
    }

    /// Starts the entries that are new or changed, stops those removed or changed (their holds write an `interrupted` line).
    func apply(_ databases: [DatabaseConfig], resultsFile: String?) async {
        results.setPath(resultsFile)
        let wanted = Dictionary(databases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, entry) in running where wanted[name] != entry.config {
            await stop(entry)
            running[name] = nil
            logger.info("database probes stopped", metadata: ["database": "\(name)"])
        }
        guard !stopped else { return }
        for database in databases where running[database.name] == nil {
            running[database.name] = Running(config: database, tasks: start(database))
            logger.info(
                "database probes started",
                metadata: ["database": "\(database.name)", "probes": "\(database.probes.map(\.kind.rawValue))", "holds": "\(database.holds.map(\.test.rawValue))"])
        }
    }

    /// Stops everything; holds in progress write an `interrupted` line.
    func shutdown() async {
        stopped = true
        for entry in running.values { await stop(entry) }
        running.removeAll()
    }

    private func stop(_ entry: Running) async {
        for task in entry.tasks { task.cancel() }
        for task in entry.tasks { await task.value }
    }

    private func start(_ database: DatabaseConfig) -> [Task<Void, Never>] {
        let endpoint = PostgresEndpoint(config: database, openGauge: metrics.connectionsOpen(database: database.name))
        var tasks: [Task<Void, Never>] = []
        for probe in database.probes {
            guard let make = DatabaseProbes.registered[probe.kind] else { continue }
            metrics.objectives(database: database.name, probe: probe)
            let loop = ProbeLoop(
                context: DatabaseProbeContext(config: probe, endpoint: endpoint, metrics: metrics, recorder: recorder), make: make,
                status: board.databaseProbe(database: database.name, probe: probe.kind.rawValue))
            tasks.append(Task { await loop.run() })
        }
        for hold in database.holds {
            metrics.objectives(database: database.name, hold: hold)
            let runner = HoldRunner(
                config: hold, endpoint: endpoint, metrics: HoldMetrics(metrics: metrics, database: database.name, test: hold.test),
                results: results, status: board.hold(database: database.name, test: hold.test.rawValue), recorder: recorder, logger: logger)
            tasks.append(Task { await runner.run() })
        }
        return tasks
    }
}

/// Runs one periodic probe on its schedule, counting failures; its ``DatabaseProbeStatus`` shows the
/// last run and logs, as for requests, when the probe starts failing, while it keeps failing, and
/// when it has recovered.
struct ProbeLoop: Sendable {
    let context: DatabaseProbeContext
    let make: @Sendable (DatabaseProbeContext) -> any DatabaseProbe
    let status: DatabaseProbeStatus

    func run() async {
        let database = context.endpoint.database
        let kind = context.config.kind.rawValue
        let probe = make(context)
        defer { probe.close() }
        let success = context.metrics.probeSuccess(database: database, probe: kind)
        // Every reason from the start at 0, so rates have a series before the first failure.
        for reason in PostgresFailure.Reason.allCases where reason != .cancelled {
            _ = context.metrics.probeErrors(database: database, probe: kind, reason: reason)
        }
        await runOnSchedule(every: context.config.every) {
            let outcome = await probe.run(timeout: context.config.timeout)
            guard !Task.isCancelled else { return }
            switch outcome {
            case .success(let latency):
                context.recorder?.probe(database: database, probe: kind, failed: false)
                success.set(to: 1)
                status.succeeded(latency: latency)
            case .failure(let failure):
                context.recorder?.probe(database: database, probe: kind, failed: true)
                context.metrics.probeErrors(database: database, probe: kind, reason: failure.reason).increment()
                success.set(to: 0)
                status.failed(FailureReport(reason: failure.reason.rawValue, code: 0, message: failure.description, body: ""))
            }
        }
    }
}
