internal import Prometheus
internal import SoakConfig
internal import SoakPostgres
import Synchronization

/// The `soak_db_*` families. Every family is described here once, so its help text and buckets
/// are the same wherever a series of it is made.
final class DatabaseMetrics: Sendable {
    static let latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    static let lifetimeBuckets: [Double] = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000, 3300, 3600, 5400, 7200]
    /// The `state` values of `soak_db_server_connections`, always all exported so a dashboard never shows a gap.
    static let serverStates = ["active", "idle", "idle_in_transaction", "idle_in_transaction_aborted", "fastpath_function_call", "disabled", "unknown"]
    static let settingNames = [
        "idle_in_transaction_session_timeout", "idle_session_timeout", "statement_timeout", "tcp_keepalives_idle", "tcp_keepalives_interval",
    ]

    let registry: PrometheusCollectorRegistry
    private let serverVersions = Mutex<[String: (version: String, gauge: Gauge)]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The database objectives are `soak_objective_db_*`, beside the HTTP ones.
    fileprivate static func descriptor(_ name: String, _ unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "soak", subsystem: "db", metricName: name, unitName: unit, helpText: help)
    }

    func connectDuration(database: String) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: Self.descriptor("connect_duration", "seconds", "Time for a fresh connection to become ready (TCP, TLS, authentication)."),
            labels: [("database", database)], buckets: Self.latencyBuckets)
    }

    func queryDuration(database: String, query: String) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: Self.descriptor("query_duration", "seconds", "Time of the query probe's query on its kept connection, until the last row."),
            labels: [("database", database), ("query", query)], buckets: Self.latencyBuckets)
    }

    func serverConnections(database: String, state: String, client: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor(
                "server_connections", "",
                "Sessions of the database in pg_stat_activity by state; client is soak for soak's own sessions, other for the rest."),
            labels: [("database", database), ("state", state), ("client", client)])
    }

    func serverConnectionsMax(database: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor("server_connections_max", "", "The server's max_connections."), labels: [("database", database)])
    }

    func setting(database: String, name: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor("setting", "seconds", "A server setting that ends or keeps connections, in seconds (0 means disabled)."),
            labels: [("database", database), ("name", name)])
    }

    /// Sets `soak_db_server_info{server_version}` to 1, removing the series of a version seen before.
    func serverVersion(database: String, version: String) {
        serverVersions.withLock { versions in
            if let known = versions[database] {
                guard known.version != version else { return }
                registry.unregisterGauge(known.gauge)
            }
            let gauge = registry.makeGauge(
                descriptor: Self.descriptor("server_info", "", "Always 1; server_version is what the server reports."),
                labels: [("database", database), ("server_version", version)])
            gauge.set(to: 1)
            versions[database] = (version, gauge)
        }
    }

    /// Exports a probe's or hold's thresholds as `soak_objective_db_*`, for the alert rules.
    func objectives(database: String, probe: DatabaseProbeConfig) {
        for threshold in probe.thresholds {
            switch threshold {
            case .latency(let quantile, let below):
                registry.makeGauge(
                    descriptor: Self.descriptor("latency", "seconds", "A database probe's latency objective from its thresholds, by percentile.")
                        .objective,
                    labels: [("database", database), ("probe", probe.kind.rawValue), ("percentile", Figure.percentile(quantile))]
                ).set(to: below / .seconds(1))
            case .errorRatio(let below):
                registry.makeGauge(
                    descriptor: Self.descriptor("error", "ratio", "A database probe's error-ratio objective from its thresholds.").objective,
                    labels: [("database", database), ("probe", probe.kind.rawValue)]
                ).set(to: below)
            case .rate:
                break
            }
        }
    }

    func objectives(database: String, hold: HoldConfig) {
        for event in hold.mustNotHappen {
            registry.makeGauge(
                descriptor: Self.descriptor("hold_events", "", "How many of an event a hold may have in a timed run (thresholds such as died == 0).")
                    .objective,
                labels: [("database", database), ("test", hold.test.rawValue), ("event", event)]
            ).set(to: 0)
        }
    }

    func probeErrors(database: String, probe: String, reason: PostgresFailure.Reason) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor("probe_errors", "total", "Probe runs that failed, by probe and reason."),
            labels: [("database", database), ("probe", probe), ("reason", reason.rawValue)])
    }

    func probeSuccess(database: String, probe: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor("probe_success", "", "1 when the probe's latest run succeeded, 0 when it failed."),
            labels: [("database", database), ("probe", probe)])
    }

    func connectionsOpen(database: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor("connections_open", "", "Connections soak holds open to the database (probes, holds and notifiers)."),
            labels: [("database", database)])
    }

    func holdRuns(database: String, test: String, result: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor("hold_runs", "total", "Finished connection-lifetime runs by result: survived, died or failed_to_start."),
            labels: [("database", database), ("test", test), ("result", result)])
    }

    func holdAlive(database: String, test: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor("hold_alive", "", "1 while the test holds a live connection, 0 between runs and after a death."),
            labels: [("database", database), ("test", test)])
    }

    func holdLifetime(database: String, test: String) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: Self.descriptor("hold_lifetime", "seconds", "How long a held connection lived, observed when it died."),
            labels: [("database", database), ("test", test)], buckets: Self.lifetimeBuckets)
    }

    func holdDisconnects(database: String, test: String, reason: PostgresFailure.Reason) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor("hold_disconnects", "total", "Held connections that died, by reason (from the SQLSTATE or libpq's message)."),
            labels: [("database", database), ("test", test), ("reason", reason.rawValue)])
    }

    func notifyLatency(database: String, test: String) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: Self.descriptor("notify_latency", "seconds", "Time from sending a NOTIFY to the listener reading it."),
            labels: [("database", database), ("test", test)], buckets: Self.latencyBuckets)
    }

    func notifications(database: String, test: String, outcome: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor(
                "notifications", "total", "Notifications by outcome: sent (acknowledged by the server), received, missing (sent, never received), duplicate, out_of_order."),
            labels: [("database", database), ("test", test), ("outcome", outcome)])
    }
}

extension MetricNameDescriptor {
    /// `soak_db_X` as `soak_objective_db_X`.
    fileprivate var objective: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "soak", subsystem: "objective_db", metricName: metricName, unitName: unitName ?? "", helpText: helpText ?? "")
    }
}
