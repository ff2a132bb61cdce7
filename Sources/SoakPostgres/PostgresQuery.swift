/// Runs one query on a fresh connection that is closed straight after (a scenario's SQL pool).
package enum PostgresQuery {
    /// The first column of every row, as text (NULLs left out); `name` is the middle part of `application_name`.
    package static func firstColumn(dsn: String, sql: String, name: String, timeout: Duration) async throws(PostgresFailure) -> [String] {
        let endpoint = PostgresEndpoint(name: name, dsn: dsn, connectTimeout: timeout)
        let opened = try await PostgresConnection.open(endpoint, probe: "pool", timeout: timeout, opening: [sql], openingTimeout: timeout).get()
        opened.connection.close()
        return (opened.openingRows.first ?? []).compactMap { $0.first ?? nil }
    }
}
