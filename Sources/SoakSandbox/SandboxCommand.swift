import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import SoakConfig

/// `soak-sandbox`: a small server in Pulp's shapes, backed by a real PostgreSQL, for soak's demo
/// and tests. It is no substitute for testing against a real Pulp.
@main
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak-sandbox",
        abstract: "A Pulp-shaped target for soak's demo and tests, backed by a real PostgreSQL.",
        discussion: """
            Serves GET /pulp/api/v3/status/, GET /pulp/api/v3/tasks/<id>/, POST /pulp/api/v3/orphans/cleanup/, \
            GET /api/pulp/test/tasks/ (task ingestion), GET and POST /api/pulp/rds-connection-tests/, \
            POST /pulp/api/v3/sandbox/tasks/ (tasks steered by the body: duration_seconds, fail, blocked, count) \
            and /sandbox/work (plain, with --latency and --error-rate). Any route takes sandbox_delay=2s, \
            sandbox_status=503 or sandbox_body=malformed|html in its query to inject a fault. \
            GET, POST and DELETE /sandbox/faults read, set and clear faults at run time \
            ({"added_latency": "2s", "error_rate": "50%", "workers_stopped": true}); POST /sandbox/alerts takes \
            Alertmanager's webhook and GET /sandbox/alerts lists what arrived; GET /metrics serves Pulp's \
            task-queue and API metrics as pulpcore exports them.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on, as host:port (port 0 picks a free one).", valueName: "address"))
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("libpq connection string of the PostgreSQL that holds the tasks.", valueName: "dsn"))
    var dsn: String

    @Option(help: ArgumentHelp("Worker loops running tasks.", valueName: "count"))
    var workers = 2

    @Option(help: ArgumentHelp("Latency of /sandbox/work, one duration or a range, e.g. 5ms..20ms.", valueName: "range"))
    var latency = "5ms..20ms"

    @Option(name: .customLong("error-rate"), help: ArgumentHelp("Share of /sandbox/work answered 500, e.g. 1%.", valueName: "share"))
    var errorRate = "0%"

    @Option(name: .customLong("task-duration"), help: ArgumentHelp("How long an orphan-cleanup task runs, e.g. 200ms..1s.", valueName: "range"))
    var taskDuration = "200ms..1s"

    @Option(name: .customLong("task-failure-rate"), help: ArgumentHelp("Share of orphan-cleanup tasks that fail, e.g. 10%.", valueName: "share"))
    var taskFailureRate = "0%"

    @Option(name: .customLong("ingestion-window"), help: ArgumentHelp("How long one task-ingestion call dispatches (Pulp: 25s).", valueName: "duration"))
    var ingestionWindow = "25s"

    @Option(
        name: .customLong("dispatch-time"),
        help: ArgumentHelp("Least time one ingestion dispatch takes (about Pulp's pace at 10ms; 0s for as fast as PostgreSQL goes).", valueName: "duration"))
    var dispatchTime = "10ms"

    @Option(
        name: .customLong("worker-ttl"),
        help: ArgumentHelp("How long after its last heartbeat a worker counts as online (Pulp's WORKER_TTL); workers heartbeat three times within it.", valueName: "duration"))
    var workerTTL = "30s"

    @Option(help: ArgumentHelp("Require HTTP basic auth as this user (with --password).", valueName: "user"))
    var username: String?

    @Option(help: ArgumentHelp("The password --username needs; or set SANDBOX_PASSWORD.", valueName: "password"))
    var password: String?

    func run() async throws {
        let settings = try settings()
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--listen: expected host:port, found \"\(listen)\"") }
        let host = parts[0].isEmpty ? "0.0.0.0" : String(parts[0])

        var logger = Logger(label: "soak-sandbox")
        logger.logLevel = .info
        let store = SandboxStore(dsn: dsn)
        var pause = Duration.seconds(1)
        while true {
            do {
                try await store.prepareSchema()
                break
            } catch {
                logger.warning("cannot prepare the task tables yet; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(10))
            }
        }
        let faults = SandboxFaults()
        let control = ControlRoutes(
            faults: faults, inbox: AlertInbox(logger: logger), metrics: PulpMetrics(store: store, workerTTL: settings.workerTTL, logger: logger))
        let routes = SandboxRoutes(store: store, settings: settings, logger: logger, faults: faults, control: control)
        let application = Application(
            router: routes.router(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                // Tests read the port from this line.
                FileHandle.standardOutput.write(Data("soak-sandbox listening on \(host):\(channel.localAddress?.port ?? port)\n".utf8))
            },
            logger: logger
        )
        let workerPool = WorkerPool(
            workers: (1...settings.workers).map { TaskWorker(name: "\($0)@soak-sandbox", store: store, settings: settings, logger: logger) },
            faults: faults, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: application), .init(service: workerPool)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    private func settings() throws -> SandboxSettings {
        var settings = SandboxSettings()
        func range(_ text: String, _ option: String) throws -> SandboxSettings.DurationRange {
            guard let range = SandboxSettings.DurationRange(parsing: text) else {
                throw ValidationError("--\(option): expected a duration or LOW..HIGH, e.g. 5ms..20ms; found \"\(text)\"")
            }
            return range
        }
        func share(_ text: String, _ option: String) throws -> Double {
            guard let share = ShareSyntax.parse(text), (0...1).contains(share) else {
                throw ValidationError("--\(option): expected a share such as 5% or 0.05; found \"\(text)\"")
            }
            return share
        }
        func duration(_ text: String, _ option: String) throws -> Duration {
            guard let duration = DurationSyntax.parse(text) else { throw ValidationError("--\(option): \(DurationSyntax.hint); found \"\(text)\"") }
            return duration
        }
        settings.latency = try range(latency, "latency")
        settings.errorRate = try share(errorRate, "error-rate")
        settings.taskDuration = try range(taskDuration, "task-duration")
        settings.taskFailureRate = try share(taskFailureRate, "task-failure-rate")
        settings.ingestionWindow = try duration(ingestionWindow, "ingestion-window")
        settings.dispatchTime = try duration(dispatchTime, "dispatch-time")
        settings.workerTTL = try duration(workerTTL, "worker-ttl")
        guard settings.workerTTL >= .milliseconds(300) else { throw ValidationError("--worker-ttl: at least 300ms") }
        guard workers >= 1 else { throw ValidationError("--workers: needs at least 1") }
        settings.workers = workers
        if let username {
            guard let password = password ?? ProcessInfo.processInfo.environment["SANDBOX_PASSWORD"] else {
                throw ValidationError("--username needs --password or SANDBOX_PASSWORD")
            }
            settings.credentials = (username, password)
        }
        return settings
    }
}

/// Runs the workers until graceful shutdown, stopping them while the `workers_stopped` fault is set
/// and starting them again when it is cleared.
struct WorkerPool: Service {
    let workers: [TaskWorker]
    let faults: SandboxFaults
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var running = faults.current.workersStopped ? nil : start()
            for await stopped in faults.workersStoppedChanges {
                if stopped, let pool = running {
                    logger.info("stopping the workers (fault workers_stopped)")
                    pool.cancel()
                    await pool.value
                    running = nil
                } else if !stopped, running == nil {
                    logger.info("starting the workers again (fault workers_stopped cleared)")
                    running = start()
                }
            }
            // The stream ends when graceful shutdown cancels this task; the workers' task is unstructured.
            running?.cancel()
            await running?.value
        }
    }

    private func start() -> Task<Void, Never> {
        Task {
            await withDiscardingTaskGroup { group in
                for worker in workers { group.addTask { await worker.run() } }
            }
        }
    }
}
