package import SoakConfig
import Synchronization

/// Where soak connects (a `databases` entry, or a scenario's SQL pool), how long a connection may
/// take, and for a `databases` entry the count of soak's open connections, handed to `openCount`
/// at each change (`soak_db_connections_open`).
package final class PostgresEndpoint: Sendable {
    /// The middle part of `application_name`: the database entry's or the scenario's name.
    package let database: String
    package let connectTimeout: Duration
    private let dsn: String
    private let scrub: @Sendable (String) -> String
    private let open = Atomic<Int>(0)
    private let openCount: (@Sendable (Int) -> Void)?

    /// A `databases` entry's endpoint; `openCount` gets the number of open connections at each change.
    package init(config: DatabaseConfig, openCount: @escaping @Sendable (Int) -> Void) {
        self.database = config.name
        self.connectTimeout = config.connectTimeout
        self.dsn = config.dsn?.value ?? ""
        self.scrub = { config.redact($0) }
        self.openCount = openCount
    }

    /// An endpoint whose connections are not counted in the metrics (a scenario's SQL pool).
    package init(name: String, dsn: String, connectTimeout: Duration) {
        self.database = name
        self.connectTimeout = connectTimeout
        self.dsn = dsn
        self.scrub = { $0 }
        self.openCount = nil
    }

    /// libpq's keywords and values: the whole connection string as an expandable `dbname`, then the
    /// `application_name` that names soak's session (later keys win over the string's).
    func connectionParameters(probe: String) -> (keywords: [String], values: [String]) {
        (["dbname", "application_name"], [dsn, String("soak/\(database)/\(probe)".utf8.prefix(63)) ?? "soak"])
    }

    /// `text` with the connection string's password replaced by `<secret>`.
    func redact(_ text: String) -> String { scrub(text) }

    func connectionOpened() {
        openCount?(open.add(1, ordering: .relaxed).newValue)
    }

    func connectionClosed() {
        openCount?(open.subtract(1, ordering: .relaxed).newValue)
    }
}
