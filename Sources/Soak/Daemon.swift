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
    /// `--web.config.file`: TLS, client certificates, basic auth and headers for every endpoint.
    public var webConfigFile: String?

    public init(
        configFile: String, listenAddress: ListenAddress?, enableLifecycle: Bool, gracePeriod: Duration, timedRun: TimedRunOptions? = nil,
        webConfigFile: String? = nil
    ) {
        self.configFile = configFile
        self.listenAddress = listenAddress
        self.enableLifecycle = enableLifecycle
        self.gracePeriod = gracePeriod
        self.timedRun = timedRun
        self.webConfigFile = webConfigFile
    }
}

/// What a timed run does: how long it runs and what it compares with.
public struct TimedRunOptions: Sendable {
    /// How long traffic and probes run before soak stops by itself.
    public var duration: Duration
    /// An earlier run's summary file to compare with; it is read and checked against the config before anything starts.
    public var baselineFile: String?
    /// How much worse than the baseline p95 and p99 may be, relatively (0.2 for 20%).
    public var latencyTolerance: Double
    /// How much the error ratio may rise over the baseline, in ratio points (0.05 for 5 points).
    public var errorRatioTolerance: Double

    public init(duration: Duration, baselineFile: String?, latencyTolerance: Double = 0.2, errorRatioTolerance: Double = 0.05) {
        self.duration = duration
        self.baselineFile = baselineFile
        self.latencyTolerance = latencyTolerance
        self.errorRatioTolerance = errorRatioTolerance
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

    public var description: String {
        switch self {
        case .invalidConfig(let error): "invalid config:\n\(error)"
        case .httpClient(let message): "the HTTP client could not start: \(message)"
        case .unusableBaseline(let error): "unusable baseline: \(error)"
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
    /// invalid or the address cannot be bound. A timed run returns its judged summary.
    @discardableResult
    public func run() async throws -> RunSummary? {
        let startedAt = Date()
        let startInstant = ContinuousClock.now
        let build = BuildInfo.current
        let initial: SoakConfiguration
        do {
            initial = try ConfigLoader.load(file: options.configFile)
        } catch {
            throw DaemonError.invalidConfig(error)
        }
        var baseline: RunSummary?
        if let path = options.timedRun?.baselineFile {
            do throws(RunSummary.BaselineError) {
                let read = try RunSummary.readBaseline(path)
                try RunSummary.checkBaseline(read, path: path, matches: initial)
                baseline = read
            } catch {
                throw DaemonError.unusableBaseline(error)
            }
        }
        let metrics = SoakMetrics(build: build)
        // --web.config.file (Sources/Soak/WebSecurity): the listener's TLS, and the checks every request passes.
        let webSecurity = try WebSecurity.forDaemon(file: options.webConfigFile, registry: metrics.registry, logger: logger)
        let client: CurlClient
        do {
            client = try CurlClient(userAgent: "soak/\(build.version)")
        } catch {
            throw DaemonError.httpClient(error.message)
        }
        let recorder = options.timedRun.map { RunRecorder(startedAt: .now, duration: $0.duration) }
        let judge = options.timedRun.map {
            TimedRunJudge(
                options: $0, baseline: baseline, config: initial, configFile: options.configFile,
                configHash: RunSummary.fnv1a(FileManager.default.contents(atPath: options.configFile).map { [UInt8]($0) } ?? []), build: build)
        }
        let traffic = TrafficEngine(
            client: client, metrics: HTTPMetrics(registry: metrics.registry, latencyBuckets: initial.http.latencyBuckets, recorder: recorder),
            logger: logger)
        let databaseRecorder = options.timedRun.map { _ in DatabaseRecorder() }
        let results = ResultsFile(path: initial.resultsFile, logger: logger)
        let databases = DatabaseSupervisor(
            metrics: DatabaseMetrics(registry: metrics.registry), results: results, recorder: databaseRecorder, logger: logger)
        let probes = HTTPProbeSupervisor(
            context: HTTPProbeContext(client: client, metrics: ProbeMetrics(registry: metrics.registry), results: results, logger: logger))
        let config = ConfigState(
            path: options.configFile, initial: initial, metrics: metrics, traffic: traffic, databases: databases, probes: probes, logger: logger)
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
            router: webSecurity.protect(server.router()),
            server: webSecurity.serverBuilder(),
            configuration: ApplicationConfiguration(address: .hostname(address.bindHost, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress.map { "\($0.ipAddress ?? address.bindHost):\($0.port ?? address.port)" }
                logger.info("listening", metadata: ["address": "\(bound ?? address.description)"])
                readiness.markListening(on: bound ?? address.description)
            },
            logger: serverLogger
        )
        let timer = options.timedRun.map { RunTimer(duration: $0.duration) }
        var groupConfiguration = ServiceGroupConfiguration(
            services: (timer.map { [.init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "timer")] } ?? []) + [
                .init(service: application, serviceName: "web"),
                .init(service: webSecurity.watcher, serviceName: "web-config"),
                .init(service: ReloadOnHangup(config: config), serviceName: "sighup"),
                .init(service: DatabaseService(supervisor: databases, initial: initial), serviceName: "databases"),
                .init(
                    service: TrafficService(
                        engine: traffic, scenarios: initial.scenarios, readiness: readiness, grace: options.gracePeriod),
                    serviceName: "traffic"),
                // Shut down first (the group stops services in reverse order): probes stop before the
                // HTTP client closes, so a request cut short is not counted as a failure.
                .init(service: ProbeService(supervisor: probes, initial: initial), serviceName: "probes"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = options.gracePeriod + .seconds(1)
        groupConfiguration.maximumCancellationDuration = .seconds(1)
        try await ServiceGroup(configuration: groupConfiguration).run()
        // The HTTP client has closed, so a probe still waiting on a request has ended, or ends now, and writes its results.
        await probes.awaitStopped()
        logger.info("soak stopped")
        guard let judge, let recorder, let databaseRecorder, let timer else { return nil }
        return judge.summary(recorder: recorder, databases: databaseRecorder, startedAt: startedAt, completed: timer.completed)
    }
}

/// Ends a timed run: returns after the duration, which shuts the group down gracefully, or earlier
/// when a signal shuts it down first.
final class RunTimer: Service, Sendable {
    let duration: Duration
    private let elapsed = Mutex(false)

    init(duration: Duration) {
        self.duration = duration
    }

    /// Whether the run lasted its whole duration.
    var completed: Bool { elapsed.withLock { $0 } }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await Task.sleep(for: self.duration)
            self.elapsed.withLock { $0 = true }
        }
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

/// Starts the configured ingestion, task and JSON value probes, and stops them at graceful shutdown
/// (tasks being followed write an `interrupted` line to results_file before soak exits).
struct ProbeService: Service {
    let supervisor: HTTPProbeSupervisor
    let initial: SoakConfiguration

    func run() async throws {
        await supervisor.apply(initial)
        try? await gracefulShutdown()
        await supervisor.stop()
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
