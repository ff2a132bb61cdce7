internal import Prometheus
internal import SoakConfig
import Synchronization

/// The `soak_http_*` families, with handles made once per scenario, request and target so that
/// recording a completion costs a few atomic updates.
final class HTTPMetrics: Sendable {
    static let phaseBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    static let lagBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    let registries: MetricRegistries
    /// The main registry: scenario and target families.
    var registry: PrometheusCollectorRegistry { registries.main }
    let latencyBuckets: [Double]
    /// Set in a timed run: the exact recording its summary is made from.
    let recorder: RunRecorder?
    /// What the status page shows of the traffic.
    let board: StatusBoard
    private let trackers = Mutex<[String: ConnectionTracker]>([:])
    /// Each request's registry, by scenario and request, so a restarted scenario keeps its series.
    private let requestRegistries = Mutex<[String: PrometheusCollectorRegistry]>([:])

    init(registries: MetricRegistries, latencyBuckets: [Double], board: StatusBoard, recorder: RunRecorder? = nil) {
        self.registries = registries
        self.board = board
        self.latencyBuckets = latencyBuckets
        self.recorder = recorder
    }

    static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "soak", subsystem: "http", metricName: name, unitName: unit, helpText: help)
    }

    /// The connection tracker of `target`, feeding `soak_http_connections_open` and `_opened_total`.
    func connections(target: String) -> ConnectionTracker {
        trackers.withLock { trackers in
            if let tracker = trackers[target] { return tracker }
            let labels = [("target", target)]
            let open = registry.makeGauge(
                descriptor: Self.descriptor("connections", "open", "Connections soak holds open to the target (libcurl's open minus closed sockets)."),
                labels: labels)
            let opened = registry.makeCounter(
                descriptor: Self.descriptor("connections_opened", "total", "Connections soak opened to the target; a fast rise means keep-alive is not working."),
                labels: labels)
            let tracker = ConnectionTracker { count, openedDelta in
                open.set(to: Double(count))
                if openedDelta > 0 { opened.increment(by: Int64(openedDelta)) }
            }
            trackers[target] = tracker
            return tracker
        }
    }

    /// The registry of `request` in `scenario`: made the first time, the same one after.
    func registry(scenario: String, request: String) -> PrometheusCollectorRegistry {
        requestRegistries.withLock { registries in
            let key = "\(scenario)\u{0}\(request)"
            if let registry = registries[key] { return registry }
            let registry = self.registries.makeRequestRegistry()
            registries[key] = registry
            return registry
        }
    }

    func scenario(_ name: String) -> ScenarioMetrics {
        ScenarioMetrics(metrics: self, scenario: name)
    }
}

/// One scenario's own families (in flight, dropped, schedule lag, virtual users) and its part of the
/// status page, moved together.
final class ScenarioMetrics: Sendable {
    private let inFlight: Gauge
    private let dropped: Counter
    private let scheduleLag: ValueHistogram
    let status: ScenarioStatus
    private let metrics: HTTPMetrics
    private let scenario: String

    init(metrics: HTTPMetrics, scenario: String) {
        self.metrics = metrics
        self.scenario = scenario
        status = metrics.board.scenario(scenario)
        let labels = [("scenario", scenario)]
        inFlight = metrics.registry.makeGauge(
            descriptor: HTTPMetrics.descriptor("requests_in", "flight", "Requests of the scenario sent and not yet answered."), labels: labels)
        dropped = metrics.registry.makeCounter(
            descriptor: HTTPMetrics.descriptor(
                "requests_dropped", "total", "Open-model sends skipped because max_in_flight requests were already in flight."),
            labels: labels)
        scheduleLag = metrics.registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "soak", metricName: "schedule_lag", unitName: "seconds",
                helpText: "How late soak sent each request: actual minus intended send time. High values mean soak's own numbers cannot be trusted."),
            labels: labels, buckets: HTTPMetrics.lagBuckets)
    }

    /// Requests of the scenario in flight now.
    func setInFlight(_ count: Int) {
        inFlight.set(to: Double(count))
        status.inFlight.store(count, ordering: .relaxed)
    }

    /// An open-model send skipped because `max_in_flight` requests were in flight.
    func recordDropped() {
        dropped.increment()
        status.dropped.add(1, ordering: .relaxed)
    }

    /// How late a send was against its intended time.
    func recordLag(_ lag: Duration) {
        let seconds = DurationSyntax.seconds(lag)
        scheduleLag.record(seconds)
        status.recordLag(seconds: seconds)
    }

    /// The count of scenario starts at which a loaded pool (SQL or HTTP) fell back to its fallback
    /// values; made, at 0, before the pool is first loaded, so the first fallback is an increase.
    func poolFallbacks(pool: String) -> Counter {
        metrics.registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "soak", subsystem: "pool", metricName: "fallbacks", unitName: "total",
                helpText: "Scenario starts at which a SQL or HTTP data pool could not be loaded and its fallback values were used."),
            labels: [("scenario", scenario), ("pool", pool)]
        )
    }

    /// The count of running virtual users of one class, which also moves the scenario's total on the status page.
    func virtualUsers(userClass: String) -> VirtualUserCount {
        VirtualUserCount(
            gauge: metrics.registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "soak", metricName: "virtual", unitName: "users", helpText: "Virtual users running in a closed-model scenario."),
                labels: [("scenario", scenario), ("user_class", userClass)]),
            status: status)
    }

    func request(_ request: RequestConfig, objectives: [ScenarioConfig.Threshold]) -> RequestMetrics {
        RequestMetrics(metrics: metrics, scenario: scenario, request: request.name, method: request.request.method, objectives: objectives)
    }
}

/// Running virtual users of one class: `soak_virtual_users{user_class}` and the scenario's total on the status page.
struct VirtualUserCount: Sendable {
    let gauge: Gauge
    let status: ScenarioStatus

    func increment() {
        gauge.increment()
        status.virtualUsers.add(1, ordering: .relaxed)
    }

    func decrement() {
        gauge.decrement()
        status.virtualUsers.subtract(1, ordering: .relaxed)
    }
}

/// One request's families: count by code, duration, phases, errors by reason, bytes.
final class RequestMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let scenario: String
    private let request: String
    private let method: String
    let duration: ValueHistogram
    private let phases: [RequestPhase: ValueHistogram]
    private let requestBytes: Counter
    private let responseBytes: Counter
    private let codes = Mutex<[Int: Counter]>([:])
    private let errors: [RequestFailureReason: Counter]
    private let recording: RequestRecording?

    init(metrics: HTTPMetrics, scenario: String, request: String, method: String, objectives: [ScenarioConfig.Threshold]) {
        // A registry of its own, so that registering a request costs the same however many there are.
        registry = metrics.registry(scenario: scenario, request: request)
        self.scenario = scenario
        self.request = request
        self.method = method
        recording = metrics.recorder?.request(scenario: scenario, request: request, method: method)
        let labels = [("scenario", scenario), ("request", request)]
        duration = registry.makeValueHistogram(
            descriptor: HTTPMetrics.descriptor(
                "request_duration", "seconds", "Request latency measured from the intended send time to the last byte of the answer (or the failure)."),
            labels: labels + [("method", method)], buckets: metrics.latencyBuckets)
        var phases: [RequestPhase: ValueHistogram] = [:]
        for phase in RequestPhase.allCases {
            phases[phase] = registry.makeValueHistogram(
                descriptor: HTTPMetrics.descriptor(
                    "phase_duration", "seconds",
                    "Time spent in each phase of a request: resolve, connect and tls on new connections only; processing (to first byte) and transfer."),
                labels: labels + [("phase", phase.rawValue)], buckets: HTTPMetrics.phaseBuckets)
        }
        self.phases = phases
        requestBytes = registry.makeCounter(
            descriptor: HTTPMetrics.descriptor("request", "bytes_total", "Bytes sent in requests: headers and body."), labels: labels)
        responseBytes = registry.makeCounter(
            descriptor: HTTPMetrics.descriptor("response", "bytes_total", "Bytes received in answers: headers and the whole body, kept or not."),
            labels: labels)
        // Every reason from the start at 0, so rates and ratios have a series before the first failure.
        let reasons = RequestFailureReason.allCases.map(\.label).joined(separator: ", ")
        let registry = registry
        errors = Dictionary(uniqueKeysWithValues: RequestFailureReason.allCases.map { reason in
            let counter = registry.makeCounter(
                descriptor: HTTPMetrics.descriptor("request_errors", "total", "Requests that failed, by reason: \(reasons)."),
                labels: labels + [("reason", reason.label)])
            return (reason, counter)
        })
        for objective in objectives {
            switch objective {
            case .latency(let quantile, let below):
                registry.makeGauge(
                    descriptor: MetricNameDescriptor(
                        namespace: "soak", subsystem: "objective", metricName: "latency", unitName: "seconds",
                        helpText: "The latency objective of a request from the config's thresholds (defaults p95 500ms, p99 1s), by percentile."),
                    // "percentile", not "quantile": promtool rejects a quantile label outside summaries.
                    labels: labels + [("percentile", Figure.percentile(quantile))]
                ).set(to: DurationSyntax.seconds(below))
            case .errorRatio(let below):
                registry.makeGauge(
                    descriptor: MetricNameDescriptor(
                        namespace: "soak", subsystem: "objective", metricName: "error", unitName: "ratio",
                        helpText: "The error-ratio objective of a request from the config's thresholds (default 1%)."),
                    labels: labels
                ).set(to: below)
            case .rate(let above):
                registry.makeGauge(
                    descriptor: MetricNameDescriptor(
                        namespace: "soak", subsystem: "objective", metricName: "requests_per", unitName: "second",
                        helpText: "The rate objective of a request from the config's thresholds (rate > N/s), in requests per second."),
                    labels: labels
                ).set(to: above)
            }
        }
    }

    /// Records one finished request; `failureReason` is nil for a success.
    func record(_ outcome: HTTPOutcome, latency: Duration, failureReason: RequestFailureReason?) {
        let code = outcome.codeLabel
        let counter = codes.withLock { codes in
            if let counter = codes[code] { return counter }
            let counter = registry.makeCounter(
                descriptor: HTTPMetrics.descriptor(
                    "requests", "total", "Requests finished, by HTTP status code; code 0 means no complete answer came (a transport failure)."),
                labels: [("scenario", scenario), ("request", request), ("method", method), ("code", String(code))])
            codes[code] = counter
            return counter
        }
        counter.increment()
        duration.record(DurationSyntax.seconds(latency))
        outcome.timings.forEachMeasured(answered: outcome.status > 0) { phase, duration in
            phases[phase]?.record(DurationSyntax.seconds(duration))
        }
        recording?.record(latency: latency, timings: outcome.timings, answered: outcome.status > 0, failureReason: failureReason?.label, at: outcome.completedAt)
        requestBytes.increment(by: Int64(outcome.requestBytes))
        responseBytes.increment(by: Int64(outcome.responseBytes))
        if let failureReason {
            errors[failureReason]?.increment()
        }
    }

    /// In a timed run, adds to what ``record(_:latency:failureReason:)`` recorded of the same request
    /// the bytes received and, for a failure, its reason, code and message (the failures table);
    /// outside one, `failure` is not even evaluated.
    func recordDetail(_ outcome: HTTPOutcome, failure: @autoclosure () -> (reason: RequestFailureReason, message: String)?) {
        guard let recording else { return }
        recording.detail(
            responseBytes: outcome.responseBytes, failure: failure().map { FailureTally.Key(reason: $0.reason.label, code: outcome.codeLabel, message: $0.message) },
            at: outcome.completedAt)
    }
}
