internal import Prometheus
internal import SoakConfig
import Synchronization

/// Where one `databases` entry connects, how long a connection may take, and the count of
/// soak's open connections to it (`soak_db_connections_open`).
final class PostgresEndpoint: Sendable {
    let database: String
    let connectTimeout: Duration
    private let dsn: String
    private let config: DatabaseConfig
    private let open = Atomic<Int>(0)
    private let openGauge: Gauge

    init(config: DatabaseConfig, openGauge: Gauge) {
        self.database = config.name
        self.connectTimeout = config.connectTimeout
        self.dsn = config.dsn?.value ?? ""
        self.config = config
        self.openGauge = openGauge
    }

    /// libpq's keywords and values: the whole connection string as an expandable `dbname`, then the
    /// `application_name` that names soak's session (later keys win over the string's).
    func connectionParameters(probe: String) -> (keywords: [String], values: [String]) {
        (["dbname", "application_name"], [dsn, String("soak/\(database)/\(probe)".utf8.prefix(63)) ?? "soak"])
    }

    /// `text` with the connection string's password replaced by `<secret>`.
    func redact(_ text: String) -> String { config.redact(text) }

    func connectionOpened() {
        openGauge.set(to: Double(open.add(1, ordering: .relaxed).newValue))
    }

    func connectionClosed() {
        openGauge.set(to: Double(open.subtract(1, ordering: .relaxed).newValue))
    }
}
