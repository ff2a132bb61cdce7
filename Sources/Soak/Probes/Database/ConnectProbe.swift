internal import Prometheus
internal import SoakConfig
internal import SoakPostgres

/// `connect`: a fresh connection timed until ready (TCP, TLS, authentication), then closed.
struct ConnectProbe: DatabaseProbe {
    let timeout: Duration
    private let endpoint: PostgresEndpoint
    private let duration: ValueHistogram
    private let recorder: DatabaseRecorder?

    init(context: DatabaseProbeContext) {
        timeout = context.config.timeout
        endpoint = context.endpoint
        recorder = context.recorder
        duration = context.metrics.connectDuration(database: context.endpoint.database)
    }

    func run(timeout: Duration) async -> Result<Duration?, PostgresFailure> {
        switch await PostgresConnection.open(endpoint, probe: "connect", timeout: timeout) {
        case .success(let opened):
            opened.connection.close()
            duration.record(opened.took / .seconds(1))
            recorder?.latency(database: endpoint.database, probe: "connect", took: opened.took)
            return .success(opened.took)
        case .failure(let failure):
            return .failure(failure)
        }
    }

    func close() {}
}
