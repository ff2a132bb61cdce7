internal import Prometheus
internal import SoakConfig
internal import SoakPostgres

/// `query`: the configured SQL (default `SELECT 1`) timed on a kept connection.
struct QueryProbe: DatabaseProbe {
    let timeout: Duration
    private let sql: String
    private let kept: KeptConnection
    private let duration: ValueHistogram
    private let recorder: DatabaseRecorder?
    private let database: String

    init(context: DatabaseProbeContext) {
        timeout = context.config.timeout
        recorder = context.recorder
        database = context.endpoint.database
        sql = context.config.sql
        kept = KeptConnection(endpoint: context.endpoint, probe: "query")
        duration = context.metrics.queryDuration(database: context.endpoint.database, query: context.config.queryName)
    }

    func run(timeout: Duration) async -> Result<Duration?, PostgresFailure> {
        switch await kept.query(sql, timeout: timeout) {
        case .success(let result):
            duration.record(result.took / .seconds(1))
            recorder?.latency(database: database, probe: "query", took: result.took)
            return .success(result.took)
        case .failure(let failure):
            return .failure(failure)
        }
    }

    func close() { kept.close() }
}
