internal import SoakConfig

/// One periodic database probe kind. A probe is made inside the task that runs it and used by that
/// task alone, so it may keep a connection between runs.
protocol DatabaseProbe {
    /// Runs once within `timeout` (connecting included): on success the latency it measured (a
    /// connect or query probe's) or nil, else why it failed.
    func run(timeout: Duration) async -> Result<Duration?, PostgresFailure>
    /// Closes what the probe keeps open.
    func close()
}

/// What a probe needs: its settings, where to connect, and the metrics.
struct DatabaseProbeContext: Sendable {
    let config: DatabaseProbeConfig
    let endpoint: PostgresEndpoint
    let metrics: DatabaseMetrics
    /// Set in a timed run, for its summary.
    let recorder: DatabaseRecorder?
}

/// The probe kinds soak runs, registered by kind (as blackbox_exporter's prober registry).
enum DatabaseProbes {
    static let registered: [DatabaseProbeKind: @Sendable (DatabaseProbeContext) -> any DatabaseProbe] = [
        .connect: { ConnectProbe(context: $0) },
        .query: { QueryProbe(context: $0) },
        .activity: { ActivityProbe(context: $0) },
        .settings: { SettingsProbe(context: $0) },
    ]
}
