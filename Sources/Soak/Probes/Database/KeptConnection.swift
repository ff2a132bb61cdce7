internal import SoakPostgres
/// A connection a probe keeps between runs, opened again when it breaks.
final class KeptConnection {
    private let endpoint: PostgresEndpoint
    private let probe: String
    private var connection: PostgresConnection?

    init(endpoint: PostgresEndpoint, probe: String) {
        self.endpoint = endpoint
        self.probe = probe
    }

    /// The kept connection, opened (within the time left before `deadline`) if there is none or it broke.
    func connection(before deadline: ContinuousClock.Instant) async -> Result<PostgresConnection, PostgresFailure> {
        if let connection, connection.isUsable { return .success(connection) }
        connection?.close()
        connection = nil
        switch await PostgresConnection.open(endpoint, probe: probe, timeout: min(endpoint.connectTimeout, deadline - .now)) {
        case .success(let opened):
            connection = opened.connection
            return .success(opened.connection)
        case .failure(let failure):
            return .failure(failure)
        }
    }

    /// Runs `sql` on the kept connection, dropping the connection if the query breaks it.
    func query(_ sql: String, timeout: Duration) async -> Result<PostgresConnection.Answer, PostgresFailure> {
        await query(timeout: timeout) { sql }
    }

    /// As ``query(_:timeout:)``, with the SQL made on the connection's thread just before it is sent.
    func query(timeout: Duration, rendering render: @escaping @Sendable () -> String) async -> Result<PostgresConnection.Answer, PostgresFailure> {
        let deadline = ContinuousClock.now + timeout
        let connection: PostgresConnection
        switch await self.connection(before: deadline) {
        case .success(let kept): connection = kept
        case .failure(let failure): return .failure(failure)
        }
        switch await connection.query(timeout: deadline - .now, rendering: render) {
        case .success(let answer):
            return .success(answer)
        case .failure(let failure):
            if !connection.isUsable { close() }
            return .failure(failure)
        }
    }

    func close() {
        connection?.close()
        connection = nil
    }
}
