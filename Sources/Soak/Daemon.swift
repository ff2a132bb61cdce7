internal import Foundation
internal import Hummingbird
public import Logging
internal import NIOCore
public import SoakConfig
internal import ServiceLifecycle
internal import UnixSignals
import Synchronization

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
    /// Set for a timed run (`--duration`): soak stops by itself and judges the run.
    public var timedRun: TimedRunOptions?
    /// How often a request or probe that keeps failing logs a summary line, and how long it must go
    /// without failure to count as recovered.
    public var failureInterval: Duration
    /// `--web.config.file`: TLS, client certificates, basic auth and headers for every endpoint.
    public var webConfigFile: String?
    /// `--shard I/N`: which share of the load this process runs; the whole load by default.
    public var shard: Shard

    public init(
        configFile: String, listenAddress: ListenAddress?, enableLifecycle: Bool, gracePeriod: Duration, timedRun: TimedRunOptions? = nil,
        failureInterval: Duration = .seconds(60), webConfigFile: String? = nil, shard: Shard = .whole
    ) {
        self.configFile = configFile
        self.listenAddress = listenAddress
        self.enableLifecycle = enableLifecycle
        self.gracePeriod = gracePeriod
        self.timedRun = timedRun
        self.failureInterval = failureInterval
        self.webConfigFile = webConfigFile
        self.shard = shard
    }
}

/// Why the daemon could not run.
public enum DaemonError: Error, CustomStringConvertible {
    /// The config file given at start is invalid; nothing was started.
    case invalidConfig(ConfigError)
    /// libcurl could not be initialised.
    case httpClient(String)
    /// A timed run's baseline cannot be read or was written for another config; nothing was started.
    case unusableBaseline(RunSummary.BaselineError)
    /// The web server could not listen on the address, for the reason given (the system's words).
    case cannotListen(address: String, reason: String)
    /// A timed run of a config without any check (and without `--allow-no-checks`); nothing was started.
    case noChecks

    public var description: String {
        switch self {
        case .invalidConfig(let error): "invalid config:\n\(error)"
        case .httpClient(let message): "the HTTP client could not start: \(message)"
        case .unusableBaseline(let error): "unusable baseline: \(error)"
        case .noChecks:
            "the config has no thresholds, so a timed run would pass whatever happened; add thresholds (docs/ci.md) or pass --allow-no-checks"
        case .cannotListen(let address, let reason):
            "cannot listen on \(address): \(reason); "
                + (reason.contains("in use") ? "stop what uses it, or choose another address" : "choose another address")
                + " with --web.listen-address or web.listen_address"
        }
    }

    /// `error` as ``cannotListen(address:reason:)`` when it is the web server failing to bind or
    /// resolve its address (NIO's own text names a system call, not the address).
    static func listening(on address: String, _ error: any Error) -> any Error {
        switch error {
        case let error as IOError:
            DaemonError.cannotListen(address: address, reason: String(cString: strerror(error.errnoCode)).lowercased())
        case let error as SocketAddressError.UnknownHost:
            DaemonError.cannotListen(address: address, reason: "cannot resolve \(error.host): \(error.errorDescription.lowercased())")
        case let error as SocketAddressError:
            if case .unknown(let host, _) = error { DaemonError.cannotListen(address: address, reason: "cannot resolve \(host)") } else { error }
        default:
            error
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

    /// Runs until SIGTERM or SIGINT, or for the duration of a timed run; throws if the config is
    /// invalid or the address cannot be bound. A timed run returns its judged summary and Locust's CSV.
    @discardableResult
    public func run() async throws -> TimedRunResult? {
        let startedAt = Date()
        let startInstant = ContinuousClock.now
        let build = BuildInfo.current
        let initial: SoakConfiguration
        do {
            initial = try ConfigLoader.load(file: options.configFile).forShard(options.shard)
        } catch {
            throw DaemonError.invalidConfig(error)
        }
        let configHash = RunSummary.fnv1a(FileManager.default.contents(atPath: options.configFile).map { [UInt8]($0) } ?? [])
        var timedRun: TimedRun?
        if let run = options.timedRun {
            timedRun = try TimedRun(options: run, config: initial, configFile: options.configFile, configHash: configHash, build: build, logger: logger)
        }
        let metrics = SoakMetrics(build: build, shard: options.shard)
        // --web.config.file (Sources/Soak/WebSecurity): the listener's TLS, and the checks every request passes.
        let webSecurity = try WebSecurity.forDaemon(file: options.webConfigFile, registry: metrics.registry, logger: logger)
        let client: HTTPClient
        do {
            client = try HTTPClient(userAgent: "soak/\(build.version)", grace: options.gracePeriod, logger: logger)
        } catch {
            throw DaemonError.httpClient(error.message)
        }
        let board = StatusBoard(failureInterval: options.failureInterval, logger: logger, startedAt: startedAt, start: startInstant)
        let results = ResultsFile(path: initial.resultsFile, registry: metrics.registry, logger: logger)
        let supervisors = Supervisors(
            client: client, results: results,
            httpMetrics: HTTPMetrics(registries: metrics.registries, latencyBuckets: initial.http.latencyBuckets, board: board, recorder: timedRun?.requests),
            databaseMetrics: DatabaseMetrics(registry: metrics.registry),
            probeContext: HTTPProbeContext(
                client: client, metrics: HTTPProbeMetrics(registry: metrics.registry), results: results, board: board, logger: logger,
                recorder: timedRun?.probes),
            board: board, recorder: timedRun?.databases, logger: logger)
        let config = ConfigState(
            path: options.configFile, shard: options.shard, initial: initial, metrics: metrics, supervisors: supervisors, logger: logger)
        let readiness = Readiness()
        let address = options.listenAddress ?? initial.web.listenAddress
        logger.info(
            "starting soak",
            metadata: [
                "version": "\(build.version)", "revision": "\(build.revision)", "config": "\(options.configFile)", "shard": "\(options.shard)",
            ])
        if let limit = FileDescriptorLimit.raiseToHardLimit() {
            logger.info("open file limit", metadata: ["soft_before": "\(limit.before)", "soft": "\(limit.after)"])
        }

        let server = WebServer(
            build: build, metrics: metrics, config: config, board: board, results: results, readiness: readiness,
            lifecycleEnabled: options.enableLifecycle, logger: logger)
        let logger = self.logger
        // Hummingbird announces itself at info; soak logs its own "listening" line with the bound address.
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .warning)
        let application = Application(
            router: webSecurity.protect(server.router()),
            server: webSecurity.serverBuilder(idleTimeout: initial.web.idleTimeout),
            configuration: ApplicationConfiguration(address: .hostname(address.bindHost, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress.map { "\($0.ipAddress ?? address.bindHost):\($0.port ?? address.port)" }
                logger.info("listening", metadata: ["address": "\(bound ?? address.description)"])
                readiness.markListening(on: bound ?? address.description)
            },
            logger: serverLogger
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: (timedRun.map { [$0.service] } ?? []) + [
                // Stops last (the group stops services in reverse order, each once the later ones have
                // ended): the requests of scenarios and probes stopped before it finish within the grace period.
                .init(service: client, serviceName: "http"),
                .init(service: application, serviceName: "web"),
                .init(service: webSecurity.watcher, serviceName: "web-config"),
            ] + supervisors.services + [
                // Shut down first: no reload starts anything once shutdown has begun.
                .init(service: ConfigService(config: config, readiness: readiness), serviceName: "config"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = options.gracePeriod + .seconds(1)
        groupConfiguration.maximumCancellationDuration = .seconds(1)
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch where readiness.listeningOn == nil {
            throw DaemonError.listening(on: address.description, error)
        }
        logger.info("soak stopped")
        return timedRun?.result(startedAt: startedAt)
    }
}

/// Applies the config loaded at start (soak is ready once it has), and reloads the config each time
/// the process receives SIGHUP; a SIGHUP during start-up reloads once the start is done.
struct ConfigService: Service {
    let config: ConfigState
    let readiness: Readiness

    func run() async throws {
        // Trap SIGHUP before anything starts, so an early one is queued rather than ending the process.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withDiscardingTaskGroup { group in
            group.addTask {
                await cancelWhenGracefulShutdown { await config.applyInitial() }
                readiness.markComponentsStarted()
            }
            for await _ in hangups.cancelOnGracefulShutdown() {
                _ = await config.reload(trigger: "SIGHUP")
            }
        }
    }
}
