/// Why a database operation failed: the `reason` label of `soak_db_probe_errors_total` and
/// `soak_db_hold_disconnects_total`, with the SQLSTATE and libpq's message (password scrubbed).
package struct PostgresFailure: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, as a label value.
    package enum Reason: String, Sendable, CaseIterable {
        // A connection that was up and is gone.
        case idleSessionTimeout = "idle_session_timeout"
        case idleInTransactionTimeout = "idle_in_transaction_timeout"
        case adminShutdown = "admin_shutdown"
        case serverClosed = "server_closed"
        case sslError = "ssl_error"
        case network
        case other
        // Failures that leave or never made a connection.
        case timeout
        case connect
        case auth
        case tooManyConnections = "too_many_connections"
        case query
        /// soak stopped waiting (shutdown or reload); never counted.
        case cancelled

        /// The reasons a live connection can end with.
        package static let disconnects: [Reason] = [.idleSessionTimeout, .idleInTransactionTimeout, .adminShutdown, .serverClosed, .sslError, .network, .other]
        /// The reasons a hold can die with: a disconnect, a statement past its `statement_timeout`, or a
        /// statement the server refused on a live connection.
        package static let holdDeaths: [Reason] = disconnects + [.timeout, .query]
    }

    package let reason: Reason
    package let sqlstate: String?
    package let message: String
    /// Whether the connection is unusable after this failure.
    package let connectionLost: Bool

    package var description: String {
        sqlstate.map { "\(message) (SQLSTATE \($0))" } ?? message
    }

    /// A live connection ended: the reason from the SQLSTATE the server sent before closing, else from libpq's message.
    static func disconnect(sqlstate: String?, message: String) -> PostgresFailure {
        PostgresFailure(reason: disconnectReason(sqlstate: sqlstate, message: message), sqlstate: sqlstate, message: message, connectionLost: true)
    }

    /// A connection attempt failed.
    package static func connectFailed(sqlstate: String?, message: String) -> PostgresFailure {
        let reason: Reason
        switch sqlstate {
        case let code? where code.hasPrefix("28"): reason = .auth
        case "53300": reason = .tooManyConnections
        case "57P03": reason = .adminShutdown
        default:
            if message.contains("password authentication failed") || message.contains("no pg_hba.conf entry") {
                reason = .auth
            } else if message.contains("too many clients") || message.contains("no more connections allowed") {
                reason = .tooManyConnections
            } else if message.contains("the database system is shutting down") || message.contains("the database system is starting up") {
                reason = .adminShutdown
            } else {
                reason = .connect
            }
        }
        return PostgresFailure(reason: reason, sqlstate: sqlstate, message: message, connectionLost: true)
    }

    /// soak stopped waiting; the connection is dropped.
    static func timedOut(_ what: String) -> PostgresFailure {
        PostgresFailure(reason: .timeout, sqlstate: nil, message: what, connectionLost: true)
    }

    static let cancelled = PostgresFailure(reason: .cancelled, sqlstate: nil, message: "cancelled", connectionLost: true)

    package static func queryFailed(sqlstate: String?, message: String) -> PostgresFailure {
        PostgresFailure(reason: .query, sqlstate: sqlstate, message: message, connectionLost: false)
    }

    /// Maps what a client sees when a server, pooler or proxy drops it to a reason.
    package static func disconnectReason(sqlstate: String?, message: String) -> Reason {
        switch sqlstate {
        case "57P05": return .idleSessionTimeout
        case "25P03": return .idleInTransactionTimeout
        case "57P01", "57P02", "57P03": return .adminShutdown
        default: break
        }
        if message.contains("SSL") { return .sslError }
        let networkSigns = [
            "Connection reset by peer", "Connection timed out", "No route to host", "Network is unreachable", "Broken pipe",
            "could not send data", "could not receive data", "timeout expired",
        ]
        if networkSigns.contains(where: message.contains) { return .network }
        // The server or pooler said why before closing (pgbouncer: "client_idle_timeout", SQLSTATE 08P01),
        // or closed without a word.
        if sqlstate != nil || message.contains("server closed the connection unexpectedly") || message.contains("no connection to the server")
            || message.contains("terminating connection")
        {
            return .serverClosed
        }
        return .other
    }
}
