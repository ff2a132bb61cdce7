internal import CLibPQ
internal import Foundation
internal import SoakConfig
#if canImport(Glibc)
import Glibc
#endif

/// Runs one query on a fresh connection with libpq's non-blocking API, every wait a `poll()` on the
/// connection's socket with a deadline, on a thread of its own so Swift's cooperative pool never blocks.
enum PostgresQuery {
    /// Why the query produced no rows. The message never holds the password: libpq's messages name
    /// host, port and user only, and soak adds nothing from the connection string.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The first column of every row, as text (NULLs left out).
    static func firstColumn(dsn: String, sql: String, applicationName: String, timeout: Duration) async throws(Failure) -> [String] {
        let result: Result<[String], Failure> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: run(dsn: dsn, sql: sql, applicationName: applicationName, timeout: timeout))
            }
            thread.name = "soak-pg-query"
            thread.start()
        }
        return try result.get()
    }

    private static func run(dsn: String, sql: String, applicationName: String, timeout: Duration) -> Result<[String], Failure> {
        let deadline = ContinuousClock.now + timeout
        // expand_dbname = 1: "dbname" holds the whole connection string (URI or key=value); keys after it win.
        let keywords = ["dbname", "application_name", "connect_timeout"]
        let values = [dsn, applicationName, String(max(1, timeout.components.seconds))]
        let connection = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in PQconnectStartParams(keywordPointers, valuePointers, 1) }
        }
        guard let connection else { return .failure(Failure(description: "libpq could not allocate a connection")) }
        defer { PQfinish(connection) }
        guard PQstatus(connection) != CONNECTION_BAD else { return .failure(Failure(description: message(connection))) }

        var pollStatus = PGRES_POLLING_WRITING
        while pollStatus != PGRES_POLLING_OK {
            guard pollStatus != PGRES_POLLING_FAILED else { return .failure(Failure(description: message(connection))) }
            let events = pollStatus == PGRES_POLLING_READING ? Int16(POLLIN) : Int16(POLLOUT)
            guard wait(connection, events: events, until: deadline) else {
                return .failure(Failure(description: "connecting timed out after \(timeout)"))
            }
            pollStatus = PQconnectPoll(connection)
        }
        guard PQsetnonblocking(connection, 1) == 0, PQsendQuery(connection, sql) == 1 else {
            return .failure(Failure(description: message(connection)))
        }
        while true {
            let flushed = PQflush(connection)
            if flushed == 0 { break }
            guard flushed == 1, wait(connection, events: Int16(POLLOUT | POLLIN), until: deadline) else {
                return .failure(Failure(description: flushed < 0 ? message(connection) : "sending the query timed out"))
            }
        }
        var rows: [String] = []
        var failure: Failure?
        while true {
            while PQisBusy(connection) == 1 {
                guard wait(connection, events: Int16(POLLIN), until: deadline) else {
                    if let cancel = PQgetCancel(connection) {
                        var buffer = [CChar](repeating: 0, count: 256)
                        _ = PQcancel(cancel, &buffer, Int32(buffer.count))
                        PQfreeCancel(cancel)
                    }
                    return .failure(Failure(description: "the query timed out after \(timeout)"))
                }
                guard PQconsumeInput(connection) == 1 else { return .failure(Failure(description: message(connection))) }
            }
            guard let result = PQgetResult(connection) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK:
                for row in 0..<PQntuples(result) where PQgetisnull(result, row, 0) == 0 {
                    rows.append(String(cString: PQgetvalue(result, row, 0)))
                }
            case PGRES_COMMAND_OK:
                break
            default:
                failure = Failure(description: String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        if let failure { return .failure(failure) }
        return .success(rows)
    }

    /// Polls the connection's socket for `events` until `deadline`; false on timeout or a dead socket.
    private static func wait(_ connection: OpaquePointer, events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        let socket = PQsocket(connection)
        guard socket >= 0 else { return false }
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { return false }
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let milliseconds = Int32(min(DurationSyntax.milliseconds(remaining) + 1, 60_000))
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { return false }
        }
    }

    private static func message(_ connection: OpaquePointer) -> String {
        String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let duplicates = strings.map { strdup($0) }
        defer { duplicates.forEach { free($0) } }
        let pointers = duplicates.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
