internal import SoakConfig
internal import SoakPostgres

/// A periodic database probe kind (connect, query, activity, settings): one run within the probe's
/// timeout, connecting included, giving the latency it measured (a connect or query probe's) or nil,
/// or why it failed. A ``Prober`` whose rounds are these runs.
protocol DatabaseProbe: Prober where Reason == PostgresFailure.Reason {
    /// The probe's `timeout`: a run, connecting included, takes no longer.
    var timeout: Duration { get }
    func run(timeout: Duration) async -> Result<Duration?, PostgresFailure>
    /// Closes what the probe keeps open.
    func close()
}

extension DatabaseProbe {
    func round(spawn: (sending @escaping @Sendable () async -> Void) -> Void) async -> ProbeRound<Reason> {
        switch await run(timeout: timeout) {
        case .success(let latency):
            return .success(latency: latency)
        case .failure(let failure):
            return .failure(
                ProbeFailure(reason: failure.reason, report: FailureReport(reason: failure.reason.rawValue, code: 0, message: failure.description, body: "")))
        }
    }

    func stop() async { close() }
}

/// What a database probe needs: its settings, where to connect, and the metrics.
struct DatabaseProbeContext: Sendable {
    let config: DatabaseProbeConfig
    let endpoint: PostgresEndpoint
    let metrics: DatabaseMetrics
    /// Set in a timed run, for its summary.
    let recorder: DatabaseRecorder?
    let status: DatabaseProbeStatus

    /// The loop that runs the probe `make` makes on its schedule, shown in `soak_db_probe_*`.
    func loop<Probe: DatabaseProbe>(_ make: @escaping @Sendable (DatabaseProbeContext) -> Probe) -> any Supervised {
        let database = endpoint.database
        let kind = config.kind.rawValue
        let metrics = metrics
        let recorder = recorder
        var telemetry = ProbeTelemetry<PostgresFailure.Reason>(
            success: metrics.probeSuccess(database: database, probe: kind),
            errors: { reason in metrics.probeErrors(database: database, probe: kind, reason: reason) }, status: status)
        if let recorder {
            telemetry.tap = { round in recorder.probe(database: database, probe: kind, failed: round.failed) }
        }
        return ProbeLoop(every: config.every, telemetry: telemetry) { make(self) }
    }
}
