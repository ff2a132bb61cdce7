internal import HTTPTypes
internal import Hummingbird
internal import HummingbirdCore
internal import HummingbirdHTTP2
internal import HummingbirdTLS
internal import Logging
internal import NIOCore
internal import NIOSSL
internal import Prometheus
internal import SoakConfig
internal import X509
import Synchronization

/// `--web.config.file` while soak runs: the last good web config, the TLS listener that follows it,
/// the checks every request passes (``ProtectedRouter``), and the reload that replaces the config
/// only when the new one, and every file it names, loads. Without a web config file every part of it
/// lets everything through and the listener is plain HTTP/1.1.
final class WebSecurity: Sendable {
    /// What each request is checked against, from the last good config.
    struct Policy: Sendable {
        let headers: HTTPFields
        let users: BasicAuthUsers?
        let limiter: RateLimiter?
    }

    private struct State: Sendable {
        var current: LoadedWebConfig?
        var policy: Policy?
        /// The watched files as the last load found them.
        var loaded: FileSnapshot = [:]
        /// A change seen at the last check, reloaded once a check sees the files unchanged since (a
        /// certificate and its key written one after the other are loaded together).
        var pending: FileSnapshot?
        /// Rebuilds the listener's TLS channel; set once the server is built.
        var applyTLS: (@Sendable (TLSServerSetup) throws -> Void)?
    }

    let path: String?
    let authenticator: BasicAuthenticator
    let metrics: WebSecurityMetrics?
    /// Fixed at start: the listener cannot switch between HTTP and HTTPS, nor HTTP/2 on and off, while it runs.
    let servesTLS: Bool
    let http2: Bool
    private let logger: Logger
    private let state: Mutex<State>

    /// Loads the web config file at `path` (none when nil); throws its problems when it is invalid.
    init(path: String?, registry: PrometheusCollectorRegistry, logger: Logger, authenticator: BasicAuthenticator = BasicAuthenticator()) throws(ConfigError) {
        self.path = path
        self.logger = logger
        self.authenticator = authenticator
        guard let path else {
            servesTLS = false
            http2 = false
            metrics = nil
            state = Mutex(State())
            return
        }
        let attempt = LoadedWebConfig.load(path: path)
        let loaded = try attempt.result.get()
        servesTLS = loaded.tls != nil
        http2 = servesTLS && loaded.file.http.http2
        metrics = WebSecurityMetrics(registry: registry, servesTLS: servesTLS)
        state = Mutex(State(loaded: attempt.snapshot))
        activate(loaded, trigger: "start")
    }

    /// Loads `file` for ``Daemon``: an invalid web config stops soak before it starts, as an invalid config does.
    static func forDaemon(file: String?, registry: PrometheusCollectorRegistry, logger: Logger) throws(DaemonError) -> WebSecurity {
        do {
            return try WebSecurity(path: file, registry: registry, logger: logger)
        } catch {
            throw DaemonError.invalidConfig(error)
        }
    }

    /// The checks for the next request; nil without a web config file.
    var policy: Policy? { state.withLock { $0.policy } }

    /// The router with every request passing the web config's checks first.
    func protect<Router: HTTPResponderBuilder>(_ router: Router) -> ProtectedRouter<Router> {
        ProtectedRouter(inner: router, security: self)
    }

    /// The listener: plain HTTP/1.1 without TLS; with it, HTTP/1.1 (and HTTP/2 through ALPN unless
    /// `http2: false`) over a TLS channel that follows reloads. `http1` configures each HTTP/1.1 connection or HTTP/2 stream.
    func serverBuilder(idleTimeout: Duration) -> HTTPServerBuilder {
        // A connection without a complete request head for idleTimeout is closed (web.idle_timeout).
        let http1 = HTTP1Channel.Configuration(idleTimeout: TimeAmount(idleTimeout))
        guard servesTLS else { return .http1(configuration: http1) }
        if http2 {
            return reloadingTLS { responder, setup in
                try HTTP2UpgradeChannel(
                    tlsChannelConfiguration: .init(tlsConfiguration: setup.configuration, customVerificationCallback: setup.verificationCallback),
                    configuration: .init(idleTimeout: idleTimeout, streamConfiguration: http1), responder: responder)
            }
        }
        return reloadingTLS { responder, setup in
            try TLSChannel(
                HTTP1Channel(responder: responder, configuration: http1),
                configuration: .init(tlsConfiguration: setup.configuration, customVerificationCallback: setup.verificationCallback))
        }
    }

    private func reloadingTLS<Inner: ServerChildChannel>(
        _ make: @escaping @Sendable (@escaping HTTPChannelHandler.Responder, TLSServerSetup) throws -> Inner
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            guard let setup = self.state.withLock({ $0.current?.tls }) else {
                preconditionFailure("a TLS listener is built only from a web config with TLS")
            }
            let generations = TLSChannelGenerations(try make(responder, setup), allowedSANs: setup.allowedSANs)
            self.state.withLock {
                $0.applyTLS = { setup in generations.replace(with: try make(responder, setup), allowedSANs: setup.allowedSANs) }
            }
            return ReloadingTLSChannel(generations: generations, logger: self.logger)
        }
    }

    /// The service that reloads the web config when it or a file it names changes.
    var watcher: WebConfigWatcher { WebConfigWatcher(security: self) }

    /// Reads the watched files: whether they changed since the last load and have held still since the
    /// last check, so that a reload is due.
    func changeIsDue() -> Bool {
        guard let path else { return false }
        let (paths, loaded, pending) = state.withLock { state in
            (Set(state.loaded.keys).union(state.current?.file.files ?? []).union([path]), state.loaded, state.pending)
        }
        let now = FileReads.snapshot(of: paths)
        guard now != loaded else {
            state.withLock { $0.pending = nil }
            return false
        }
        guard now == pending else {
            state.withLock { $0.pending = now }
            return false
        }
        return true
    }

    /// Loads the web config file again. A valid one replaces the running config (new connections get
    /// its certificate); an invalid one is logged, sets `soak_web_config_last_reload_successful` to 0
    /// and leaves the running config alone.
    @discardableResult
    func reload(trigger: String) -> Result<Void, ConfigError> {
        guard let path else { return .success(()) }
        let attempt = LoadedWebConfig.load(path: path)
        let watched = Set(attempt.snapshot.keys).union(state.withLock { $0.current?.file.files ?? [] })
        let snapshot = FileReads.snapshot(of: watched).merging(attempt.snapshot) { $1 }
        state.withLock {
            $0.loaded = snapshot
            $0.pending = nil
        }
        let result = attempt.result.flatMap { next in apply(next, trigger: trigger) }
        if case .failure(let error) = result {
            metrics?.recordLoad(success: false, certificateExpiry: nil)
            for problem in error.problems {
                logger.error(
                    "web config reload failed; the previous web config keeps serving", metadata: ["trigger": "\(trigger)", "problem": "\(problem)"])
            }
        }
        return result
    }

    private func apply(_ next: LoadedWebConfig, trigger: String) -> Result<Void, ConfigError> {
        guard (next.tls != nil) == servesTLS else {
            let change = servesTLS ? "removed" : "added"
            return .failure(
                ConfigError(problems: [
                    ConfigProblem(
                        file: next.file.path, line: nil, column: nil,
                        message: "tls_server_config was \(change), but the listener cannot switch between HTTP and HTTPS while soak runs; restart soak")
                ]))
        }
        if servesTLS, next.file.http.http2 != http2 {
            logger.warning(
                "http_server_config.http2 changed; restart soak to apply it", metadata: ["file": "\(next.file.path)", "http2": "\(http2)"])
        }
        if let tls = next.tls, let config = next.file.tls, let applyTLS = state.withLock({ $0.applyTLS }) {
            do {
                try applyTLS(tls)
            } catch {
                return .failure(ConfigError(problems: [config.certificate.place.problem("the TLS library refused the new settings: \(error)")]))
            }
        }
        activate(next, trigger: trigger)
        return .success(())
    }

    /// Makes `loaded` the running config: its users, headers and limit for the next request.
    private func activate(_ loaded: LoadedWebConfig, trigger: String) {
        state.withLock { state in
            let limiter =
                loaded.rateLimit == state.current?.rateLimit ? state.policy?.limiter : loaded.rateLimit.map { RateLimiter($0) }
            state.current = loaded
            state.policy = Policy(headers: loaded.headers, users: loaded.users, limiter: limiter)
        }
        metrics?.recordLoad(success: true, certificateExpiry: loaded.tls?.servedCertificate.notValidAfter)
        for warning in loaded.warnings {
            logger.warning("web config: worth a look", metadata: ["problem": "\(warning)"])
        }
        logger.info(
            trigger == "start" ? "web config loaded" : "web config reloaded",
            metadata: [
                "file": "\(loaded.file.path)", "trigger": "\(trigger)", "tls": "\(loaded.tls == nil ? "off" : "on")",
                "client_auth_type": "\(loaded.file.tls?.clientAuth.rawValue ?? "none")", "basic_auth_users": "\(loaded.file.basicAuthUsers.count)",
                "certificate_expires": "\(loaded.tls.map { "\($0.servedCertificate.notValidAfter)" } ?? "none")",
            ])
    }
}
