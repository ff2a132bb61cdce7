internal import CLibPQ

/// An error the server sent: its SQLSTATE, primary message and whether it ends the session.
struct ServerError: Sendable {
    let sqlstate: String?
    let message: String?
    let severity: String?
    let isFatal: Bool

    init(_ result: OpaquePointer) {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        sqlstate = field(soak_pg_diag_sqlstate())
        message = field(soak_pg_diag_message())
        // Poolers such as pgbouncer send only the localized severity.
        severity = field(soak_pg_diag_severity()) ?? field(soak_pg_diag_severity_localized())
        isFatal = severity == "FATAL" || severity == "PANIC"
    }
}

/// libpq's notice receiver for one connection: keeps the last message the server sent outside a
/// query that says why the connection is ending. A server or pooler says why just before it closes
/// an idle connection: a FATAL (an idle timeout, pgbouncer's `client_idle_timeout`), an ERROR, or,
/// when PostgreSQL itself goes down (an immediate shutdown, a crash of another backend, a failover),
/// a WARNING with SQLSTATE class 57 (57P01, 57P02, 57P03). Other notices and warnings are dropped
/// instead of printed to stderr.
///
/// libpq calls the receiver from inside the libpq call that read the message, and every libpq call
/// on a connection runs on its ``PostgresConnection``'s thread: so `last` is written and read on that
/// one thread and needs no lock. Debug builds check it.
final class ServerErrorCapture: @unchecked Sendable {
    private let owner: BlockingThread
    private var captured: ServerError?

    /// A receiver for the connection that `owner` runs.
    init(owner: BlockingThread) { self.owner = owner }

    /// The last message that says why the connection is ending, if one came.
    var last: ServerError? {
        assert(owner.isCurrent, "a connection's server error read off its thread")
        return captured
    }

    func receive(_ result: OpaquePointer) {
        assert(owner.isCurrent, "libpq called the notice receiver off the connection's thread")
        let error = ServerError(result)
        if error.isFatal || error.severity == "ERROR" || error.sqlstate?.hasPrefix("57P") == true { captured = error }
    }
}
