internal import CLibPQ
internal import CLinux
package import Foundation
internal import SoakConfig
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection driven with the non-blocking API, on one thread for its whole life.
///
/// The connection owns a ``BlockingThread`` (named `pg:<probe>`): connecting, every query and wait,
/// and `PQfinish` run there and nowhere else, so libpq calls the notice receiver
/// (``ServerErrorCapture``) on that thread by construction and the state below needs no lock; debug
/// builds assert it. Every wait is a `poll()` on the connection's socket and a wake descriptor (an
/// eventfd) with a deadline; ``interrupt()`` (task cancellation: a probe's timeout, a reload,
/// shutdown) writes to the descriptor from any thread and ends the wait at once. ``close()`` ends
/// the thread: it exits once `PQfinish` has run. One task uses a connection at a time; only
/// ``interrupt()`` may come from another.
package final class PostgresConnection: @unchecked Sendable {
    /// A `NOTIFY` that arrived, with the wall-clock time soak read it.
    package struct Notification: Sendable {
        package let channel: String
        package let payload: String
        package let senderPID: Int32
        package let receivedAt: Date
    }

    /// What ended a ``watch(until:)``.
    package enum WatchEvent: Sendable {
        /// The deadline came and the connection is fine.
        case deadline
        /// Notifications arrived (the connection is fine).
        case notifications([Notification])
        /// The connection is gone, or the wait was cancelled (reason `cancelled`).
        case lost(PostgresFailure)
    }

    /// Rows of a result, each column as text (nil for NULL).
    package typealias Rows = [[String?]]

    /// A query's rows and how long it took, timed on the connection's thread from send to last row.
    package struct Answer: Sendable {
        package let rows: Rows
        package let took: Duration
    }

    private enum WaitOutcome { case ready, timedOut, interrupted, failed }

    private let handle: OpaquePointer
    private let wake: Int32
    private let thread: BlockingThread
    private let endpoint: PostgresEndpoint
    private let serverErrors: ServerErrorCapture
    private var pending: [Notification] = []
    private var broken = false
    private let closed = Atomic<Bool>(false)
    private let counted = Atomic<Bool>(false)
    /// When the connection became ready, stamped on the connection's thread.
    package private(set) var connectedAt = ContinuousClock.now
    /// When soak's thread saw the connection die (not when a task got around to it), if it did.
    package private(set) var lostAt: (date: Date, instant: ContinuousClock.Instant)?

    private init(handle: OpaquePointer, wake: Int32, thread: BlockingThread, serverErrors: ServerErrorCapture, endpoint: PostgresEndpoint) {
        self.handle = handle
        self.wake = wake
        self.thread = thread
        self.serverErrors = serverErrors
        self.endpoint = endpoint
    }

    /// What ``open(_:probe:timeout:opening:)`` gives: the connection, how long it took to be ready, and
    /// the rows of each opening statement.
    package struct Opened {
        package let connection: PostgresConnection
        package let took: Duration
        package let openingRows: [Rows]
    }

    /// Time allowed for each opening statement.
    package static let openingStatementTimeout = Duration.seconds(30)

    /// Opens a connection named `soak/<database>/<probe>` on a new thread of its own and runs the
    /// `opening` statements there straight after, so nothing (a busy process included) comes between
    /// connecting and them.
    package static func open(
        _ endpoint: PostgresEndpoint, probe: String, timeout: Duration, opening: [String] = [],
        openingTimeout: Duration = openingStatementTimeout
    ) async -> Result<Opened, PostgresFailure> {
        guard let thread = BlockingThread(name: "pg:\(probe)") else {
            return .failure(.connectFailed(sqlstate: nil, message: "soak could not start a thread for the connection"))
        }
        let wake = soak_eventfd_create()
        guard wake >= 0 else {
            thread.end()
            return .failure(.connectFailed(sqlstate: nil, message: "eventfd failed: \(String(cString: strerror(errno)))"))
        }
        let serverErrors = ServerErrorCapture(owner: thread)
        let parameters = endpoint.connectionParameters(probe: probe)
        // libpq may resolve the host name here: on the connection's thread too, never on Swift's pool.
        let made: LibPQHandle? = await thread.run {
            let handle = withCStrings(parameters.keywords) { keywords in
                withCStrings(parameters.values) { values in PQconnectStartParams(keywords, values, 1) }
            }
            guard let handle else { return nil }
            PQsetNoticeReceiver(handle, { argument, result in
                guard let argument, let result else { return }
                Unmanaged<ServerErrorCapture>.fromOpaque(argument).takeUnretainedValue().receive(result)
            }, Unmanaged.passUnretained(serverErrors).toOpaque())
            return LibPQHandle(handle)
        } ?? nil
        guard let handle = made?.pointer else {
            Glibc.close(wake)
            thread.end()
            return .failure(.connectFailed(sqlstate: nil, message: "libpq could not allocate a connection"))
        }
        let connection = PostgresConnection(handle: handle, wake: wake, thread: thread, serverErrors: serverErrors, endpoint: endpoint)
        let started = ContinuousClock.now
        let result: Result<[Rows], PostgresFailure> = await connection.blocking { connection in
            if let failure = connection.finishConnecting(deadline: started + timeout, timeout: timeout) { return .failure(failure) }
            var rows: [Rows] = []
            for sql in opening {
                switch connection.runQuery(sql, deadline: .now + openingTimeout, timeout: openingTimeout) {
                case .success(let answer): rows.append(answer.rows)
                case .failure(let failure): return .failure(failure)
                }
            }
            return .success(rows)
        } ?? .failure(alreadyLost)
        switch result {
        case .failure(let failure):
            connection.close()
            return .failure(failure)
        case .success(let rows):
            connection.counted.store(true, ordering: .relaxed)
            endpoint.connectionOpened()
            return .success(Opened(connection: connection, took: connection.connectedAt - started, openingRows: rows))
        }
    }

    /// How long a timed-out query may take to stop after its cancel request before the connection is dropped.
    package static let cancelGrace = Duration.seconds(1)

    /// Runs `sql` on the connection's thread. A query that overruns `timeout` is cancelled (the request
    /// goes out on a thread of its own, as `PQcancel` blocks); if it has not stopped `cancelGrace` later
    /// the connection is dropped.
    package func query(_ sql: String, timeout: Duration) async -> Result<Answer, PostgresFailure> {
        await query(timeout: timeout) { sql }
    }

    /// As ``query(_:timeout:)``, with the SQL made on the connection's thread just before it is sent
    /// (listen_with_notify stamps its send time into the payload this way).
    package func query(timeout: Duration, rendering render: @escaping @Sendable () -> String) async -> Result<Answer, PostgresFailure> {
        await blocking { $0.runQuery(render(), deadline: .now + timeout, timeout: timeout) } ?? .failure(Self.alreadyLost)
    }

    /// Waits without sending anything until `deadline`, reading what the server sends the moment it arrives.
    package func watch(until deadline: ContinuousClock.Instant) async -> WatchEvent {
        await blocking { $0.runWatch(until: deadline) } ?? .lost(Self.alreadyLost)
    }

    /// Whether the connection can still be used.
    package var isUsable: Bool { !broken && !closed.load(ordering: .relaxed) }

    /// Makes the wait in progress, and every later one, end at once with reason `cancelled`. Any thread.
    package func interrupt() {
        soak_eventfd_signal(wake)
    }

    /// Closes the connection without waiting: it stops counting as open at once, and its thread
    /// sends libpq's terminate message (`PQfinish`) as its last job and exits. A wait still running,
    /// which one task at a time never leaves, is interrupted first. Later calls do nothing.
    package func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        interrupt()
        if counted.load(ordering: .relaxed) { endpoint.connectionClosed() }
        let handle = LibPQHandle(self.handle), serverErrors = self.serverErrors
        thread.submit {
            PQfinish(handle.pointer)
            // The notice receiver's argument lives as long as libpq may call it.
            withExtendedLifetime(serverErrors) {}
        }
        thread.end()
    }

    /// Closes the connection; the wake descriptor goes last, as ``interrupt()`` may come until then.
    deinit {
        close()
        Glibc.close(wake)
    }

    /// What a query or watch on a closed connection gets.
    private static let alreadyLost = PostgresFailure.disconnect(sqlstate: nil, message: "the connection was already lost")

    // MARK: - On the connection's thread

    /// Runs `body` on the connection's thread; task cancellation interrupts its wait. Nil once closed.
    private func blocking<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) -> T) async -> T? {
        await withTaskCancellationHandler {
            await thread.run { body(self) }
        } onCancel: {
            self.interrupt()
        }
    }

    private func finishConnecting(deadline: ContinuousClock.Instant, timeout: Duration) -> PostgresFailure? {
        var status = PQstatus(handle) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING
        while status != PGRES_POLLING_OK {
            guard status != PGRES_POLLING_FAILED else { return .connectFailed(sqlstate: nil, message: libpqMessage()) }
            switch wait(for: status == PGRES_POLLING_READING ? Int16(POLLIN) : Int16(POLLOUT), until: deadline) {
            case .ready, .failed: status = PQconnectPoll(handle)
            case .timedOut: return .timedOut("connecting took longer than \(DurationSyntax.format(timeout))")
            case .interrupted: return .cancelled
            }
        }
        guard PQsetnonblocking(handle, 1) == 0 else { return .connectFailed(sqlstate: nil, message: libpqMessage()) }
        connectedAt = .now
        return nil
    }

    private func runQuery(_ sql: String, deadline: ContinuousClock.Instant, timeout: Duration) -> Result<Answer, PostgresFailure> {
        let started = ContinuousClock.now
        var deadline = deadline
        var cancelRequested = false
        guard isUsable else { return .failure(Self.alreadyLost) }
        // Read anything that arrived while idle first: a FATAL sent before closing names the reason.
        guard PQconsumeInput(handle) == 1 else { return .failure(lost()) }
        collectNotifications()
        guard PQsendQuery(handle, sql) == 1 else { return .failure(lost()) }
        while true {
            let flushed = PQflush(handle)
            if flushed == 0 { break }
            guard flushed == 1 else { return .failure(lost()) }
            switch wait(for: Int16(POLLOUT | POLLIN), until: deadline) {
            case .ready: if PQconsumeInput(handle) == 0 { return .failure(lost()) }
            case .failed: return .failure(lost())
            case .timedOut: return .failure(giveUp(.timedOut("sending the query took longer than \(DurationSyntax.format(timeout))")))
            case .interrupted: return .failure(giveUp(.cancelled))
            }
        }
        var rows: Rows = []
        var failure: PostgresFailure?
        while true {
            while PQisBusy(handle) == 1 {
                switch wait(for: Int16(POLLIN), until: deadline) {
                case .ready: if PQconsumeInput(handle) == 0 { return .failure(lost()) }
                case .failed: return .failure(lost())
                case .timedOut:
                    guard !cancelRequested else {
                        return .failure(giveUp(.timedOut("the query took longer than \(DurationSyntax.format(timeout)) and did not stop when cancelled")))
                    }
                    requestCancel()
                    cancelRequested = true
                    deadline = .now + Self.cancelGrace
                case .interrupted: return .failure(giveUp(.cancelled))
                }
            }
            guard let result = PQgetResult(handle) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK:
                let columns = PQnfields(result)
                for row in 0..<PQntuples(result) {
                    rows.append((0..<columns).map { column in
                        PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                    })
                }
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                break
            default:
                let error = ServerError(result)
                let message = endpoint.redact(error.message ?? libpqMessage())
                if error.isFatal || PQstatus(handle) == CONNECTION_BAD {
                    markLost()
                    failure = .disconnect(sqlstate: error.sqlstate, message: message)
                } else {
                    failure = .queryFailed(sqlstate: error.sqlstate, message: message)
                }
            }
        }
        collectNotifications()
        if PQstatus(handle) == CONNECTION_BAD, failure == nil { return .failure(lost()) }
        if cancelRequested, failure?.connectionLost != true {
            // Stopped by the cancel request: a timeout, and the connection is still good.
            return .failure(PostgresFailure(
                reason: .timeout, sqlstate: failure?.sqlstate, message: "the query took longer than \(DurationSyntax.format(timeout)); cancelled",
                connectionLost: false))
        }
        if let failure { return .failure(failure) }
        return .success(Answer(rows: rows, took: .now - started))
    }

    private func runWatch(until deadline: ContinuousClock.Instant) -> WatchEvent {
        guard isUsable else { return .lost(Self.alreadyLost) }
        while pending.isEmpty {
            switch wait(for: Int16(POLLIN), until: deadline) {
            case .timedOut: return .deadline
            case .interrupted: return .lost(.cancelled)
            case .failed: return .lost(lost())
            case .ready:
                guard PQconsumeInput(handle) == 1, PQstatus(handle) != CONNECTION_BAD else { return .lost(lost()) }
                collectNotifications()
            }
        }
        defer { pending.removeAll() }
        return .notifications(pending)
    }

    private func collectNotifications() {
        while let notify = PQnotifies(handle) {
            pending.append(Notification(
                channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra),
                senderPID: notify.pointee.be_pid, receivedAt: Date()))
            PQfreemem(notify)
        }
    }

    /// The connection is gone: why, preferring what the server said before closing over libpq's own words.
    private func lost() -> PostgresFailure {
        markLost()
        let said = serverErrors.last
        let message = said?.message.map { "\($0) (\(libpqMessage()))" } ?? libpqMessage()
        return .disconnect(sqlstate: said?.sqlstate, message: endpoint.redact(message))
    }

    private func markLost() {
        broken = true
        if lostAt == nil { lostAt = (Date(), .now) }
    }

    /// Sends a cancel request for the running query from a thread of its own, without waiting for it:
    /// `PQcancel` opens a new connection and blocks without a deadline. The thread ends when it is sent.
    private func requestCancel() {
        guard let cancel = PQgetCancel(handle) else { return }
        guard let sender = BlockingThread(name: "soak-pg-cancel") else {
            PQfreeCancel(cancel)
            return
        }
        let request = LibPQHandle(cancel)
        sender.submit {
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(request.pointer, &buffer, Int32(buffer.count))
            PQfreeCancel(request.pointer)
        }
        sender.end()
    }

    private func giveUp(_ failure: PostgresFailure) -> PostgresFailure {
        broken = true
        return failure
    }

    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) -> WaitOutcome {
        assert(thread.isCurrent, "a libpq wait off the connection's thread")
        let socket = PQsocket(handle)
        guard socket >= 0 else { return .failed }
        var descriptors = [pollfd(fd: socket, events: events, revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { return .timedOut }
            let milliseconds = Int32(min(DurationSyntax.milliseconds(remaining) + 1, 60_000))
            let ready = poll(&descriptors, 2, milliseconds)
            if descriptors[1].revents != 0 { return .interrupted }
            if ready > 0 { return .ready }
            if ready < 0, errno != EINTR { return .failed }
        }
    }

    private func libpqMessage() -> String {
        // libpq's messages span lines with tabs; one line with single spaces reads better in logs and labels.
        let words = String(cString: PQerrorMessage(handle)).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        return endpoint.redact(words.joined(separator: " "))
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let duplicates = strings.map { strdup($0) }
        defer { duplicates.forEach { free($0) } }
        let pointers = duplicates.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// A libpq handle (a connection, a cancel request) handed to the one thread that uses it from then on.
private struct LibPQHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
