internal import Foundation
internal import Hummingbird
public import Logging
internal import NIOCore
public import SoakConfig
internal import ServiceLifecycle
internal import UnixSignals

/// What `soak run` was asked to do.
public struct DaemonOptions: Sendable {
    /// The config file to load and reload.
    public var configFile: String
    /// Overrides `web.listen_address` when set.
    public var listenAddress: ListenAddress?
    /// Whether `POST /-/reload` is allowed.
    public var enableLifecycle: Bool
    /// How long in-flight work may take to finish after SIGTERM or SIGINT.
    public var gracePeriod: Duration

    public init(configFile: String, listenAddress: ListenAddress?, enableLifecycle: Bool, gracePeriod: Duration) {
        self.configFile = configFile
        self.listenAddress = listenAddress
        self.enableLifecycle = enableLifecycle
        self.gracePeriod = gracePeriod
    }
}

/// Why the daemon could not run.
public enum DaemonError: Error, CustomStringConvertible {
    /// The config file given at start is invalid; nothing was started.
    case invalidConfig(ConfigError)
    /// libcurl could not be initialised.
    case httpClient(String)

    public var description: String {
        switch self {
        case .invalidConfig(let error): "invalid config:\n\(error)"
        case .httpClient(let message): "the HTTP client could not start: \(message)"
        }
    }
}

/// The soak daemon: loads the config, serves its endpoints, reloads on SIGHUP and
/// `POST /-/reload`, and shuts down gracefully on SIGTERM and SIGINT.
public struct Daemon: Sendable {
    private let options: DaemonOptions
    private let logger: Logger

    public init(options: DaemonOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT; throws if the config is invalid or the address cannot be bound.
    public func run() async throws {
        let startedAt = Date()
        let startInstant = ContinuousClock.now
        let build = BuildInfo.current
        let initial: SoakConfiguration
        do {
            initial = try ConfigLoader.load(file: options.configFile)
        } catch {
            throw DaemonError.invalidConfig(error)
        }
        let metrics = SoakMetrics(build: build)
        let client: CurlClient
        do {
            client = try CurlClient(userAgent: "soak/\(build.version)")
        } catch {
            throw DaemonError.httpClient(error.message)
        }
        let traffic = TrafficEngine(
            client: client, metrics: HTTPMetrics(registry: metrics.registry, latencyBuckets: initial.http.latencyBuckets), logger: logger)
        let databases = DatabaseSupervisor(
            metrics: DatabaseMetrics(registry: metrics.registry), results: ResultsFile(path: initial.resultsFile, logger: logger), logger: logger)
        let config = ConfigState(path: options.configFile, initial: initial, metrics: metrics, traffic: traffic, databases: databases, logger: logger)
        let readiness = Readiness()
        let address = options.listenAddress ?? initial.web.listenAddress
        logger.info(
            "starting soak",
            metadata: ["version": "\(build.version)", "revision": "\(build.revision)", "config": "\(options.configFile)"])

        let server = WebServer(
            build: build, metrics: metrics, config: config, readiness: readiness,
            lifecycleEnabled: options.enableLifecycle, startedAt: startedAt, startInstant: startInstant, logger: logger)
        let logger = self.logger
        // Hummingbird announces itself at info; soak logs its own "listening" line with the bound address.
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .warning)
        let application = Application(
            router: server.router(),
            configuration: ApplicationConfiguration(address: .hostname(address.bindHost, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress.map { "\($0.ipAddress ?? address.bindHost):\($0.port ?? address.port)" }
                logger.info("listening", metadata: ["address": "\(bound ?? address.description)"])
                readiness.markListening(on: bound ?? address.description)
            },
            logger: serverLogger
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: application, serviceName: "web"),
                .init(service: ReloadOnHangup(config: config), serviceName: "sighup"),
                .init(service: DatabaseService(supervisor: databases, initial: initial), serviceName: "databases"),
                // Shut down first (the group stops services in reverse order), while /metrics still answers.
                .init(
                    service: TrafficService(
                        engine: traffic, scenarios: initial.scenarios, readiness: readiness, grace: options.gracePeriod),
                    serviceName: "traffic"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = options.gracePeriod + .seconds(1)
        groupConfiguration.maximumCancellationDuration = .seconds(1)
        try await ServiceGroup(configuration: groupConfiguration).run()
        logger.info("soak stopped")
    }
}

/// Starts the configured scenarios, then at graceful shutdown stops them, letting requests in
/// flight finish within the grace period.
struct TrafficService: Service {
    let engine: TrafficEngine
    let scenarios: [ScenarioConfig]
    let readiness: Readiness
    let grace: Duration

    func run() async throws {
        await engine.apply(scenarios)
        readiness.markComponentsStarted()
        try? await gracefulShutdown()
        await engine.shutdown(grace: grace)
    }
}

/// Starts the configured database probes and holds, and stops them at graceful shutdown (holds in
/// progress write an `interrupted` line to results_file).
struct DatabaseService: Service {
    let supervisor: DatabaseSupervisor
    let initial: SoakConfiguration

    func run() async throws {
        await supervisor.apply(initial.databases, resultsFile: initial.resultsFile)
        try? await gracefulShutdown()
        await supervisor.shutdown()
    }
}

/// Reloads the config each time the process receives SIGHUP.
struct ReloadOnHangup: Service {
    let config: ConfigState

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = await config.reload(trigger: "SIGHUP")
        }
    }
}
