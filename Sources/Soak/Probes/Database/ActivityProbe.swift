internal import Foundation
internal import Prometheus
internal import SoakConfig
internal import SoakPostgres

/// `activity`: the database's sessions in `pg_stat_activity` counted by state, soak's own apart
/// from the rest, and the server's `max_connections`. Sessions of other roles show state `unknown`
/// unless soak's role may read them (grant it pg_monitor).
struct ActivityProbe: DatabaseProbe {
    let timeout: Duration
    static let sql = """
        SELECT coalesce(state, 'unknown'), CASE WHEN application_name LIKE 'soak/%' THEN 'soak' ELSE 'other' END, count(*)
        FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1, 2
        UNION ALL SELECT 'max_connections', '', current_setting('max_connections')::bigint
        """

    private let kept: KeptConnection
    private let gauges: [String: Gauge]
    private let maximum: Gauge

    init(context: DatabaseProbeContext) {
        timeout = context.config.timeout
        let database = context.endpoint.database
        kept = KeptConnection(endpoint: context.endpoint, probe: "activity")
        var gauges: [String: Gauge] = [:]
        for state in DatabaseMetrics.serverStates {
            for client in ["soak", "other"] {
                gauges["\(state)/\(client)"] = context.metrics.serverConnections(database: database, state: state, client: client)
            }
        }
        self.gauges = gauges
        maximum = context.metrics.serverConnectionsMax(database: database)
    }

    /// pg_stat_activity's state as a label value: `idle in transaction (aborted)` is `idle_in_transaction_aborted`.
    static func stateLabel(_ state: String) -> String {
        let label = state.lowercased().replacingOccurrences(of: " (", with: "_").replacingOccurrences(of: ")", with: "")
            .replacingOccurrences(of: " ", with: "_")
        return DatabaseMetrics.serverStates.contains(label) ? label : "unknown"
    }

    func run(timeout: Duration) async -> Result<Duration?, PostgresFailure> {
        switch await kept.query(Self.sql, timeout: timeout) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let result):
            var counts: [String: Double] = [:]
            for row in result.rows where row.count == 3 {
                guard let state = row[0], let count = row[2].flatMap(Double.init) else { continue }
                if state == "max_connections" {
                    maximum.set(to: count)
                } else {
                    counts["\(Self.stateLabel(state))/\(row[1] ?? "other")", default: 0] += count
                }
            }
            for (key, gauge) in gauges { gauge.set(to: counts[key] ?? 0) }
            return .success(nil)
        }
    }

    func close() { kept.close() }
}
