internal import Prometheus
internal import SoakConfig
internal import SoakPostgres

extension PostgresEndpoint {
    /// A `databases` entry's endpoint whose open connections `openGauge` shows (`soak_db_connections_open`).
    convenience init(config: DatabaseConfig, openGauge: Gauge) {
        self.init(config: config) { openGauge.set(to: Double($0)) }
    }
}
