import Foundation
@testable import Soak
import SoakPostgres
import Testing

/// A real PostgreSQL 15 in a temporary directory on a free loopback port, stopped when released.
/// initdb refuses to run as root, so as root the server runs as the `postgres` user.
final class PostgresServer: @unchecked Sendable {
    let port: Int
    let directory: String
    private var process: Process?
    private let bin = "/usr/lib/postgresql/15/bin"
    private let asRoot = getuid() == 0

    /// A connection string for the superuser `soak` (trust authentication on loopback).
    var dsn: String { "host=127.0.0.1 port=\(port) dbname=postgres user=soak" }

    init() async throws {
        guard FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") else {
            let missing = Executables.Missing(name: "\(bin)/initdb", package: "postgresql-15")
            Issue.record(Comment(rawValue: missing.description))
            throw missing
        }
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if asRoot {
            _ = try Command.run("/bin/chown", ["postgres:postgres", directory])
        }
        // initdb takes a second or two: on a thread of its own, not one of the test runner's few.
        let command = ["\(bin)/initdb", "-D", "\(directory)/data", "-U", "soak", "--auth=trust", "-E", "UTF8"]
        let asRoot = self.asRoot
        let initdb = try await BlockingThread.run(name: "initdb") {
            Result { asRoot ? try Command.run("/sbin/runuser", ["-u", "postgres", "--"] + command) : try Command.run(command[0], Array(command.dropFirst())) }
        }.get()
        guard initdb.status == 0 else { throw HTTP.Failure(description: "initdb failed: \(initdb.stderr)") }
        try await start()
    }

    /// Starts the server (again) and waits until it accepts connections.
    func start() async throws {
        let command = ["\(bin)/postgres", "-D", "\(directory)/data", "-p", String(port), "-k", directory, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: asRoot ? "/sbin/runuser" : command[0])
        process.arguments = asRoot ? ["-u", "postgres", "--"] + command : Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let ready = try await eventually(timeout: .seconds(30)) {
            (try? Command.run("\(self.bin)/pg_isready", ["-h", "127.0.0.1", "-p", String(self.port)]).status) == 0
        }
        guard ready else { throw HTTP.Failure(description: "PostgreSQL did not start on port \(port)") }
    }

    /// Stops the server with a fast shutdown (clients get "terminating connection due to administrator
    /// command", a FATAL), or with `immediately`, an immediate shutdown as in a failover or a crash of
    /// the host (clients get "terminating connection due to immediate shutdown command", a WARNING).
    func stop(immediately: Bool = false) {
        // runuser does not pass signals on, so the postmaster (its PID is the first line of
        // postmaster.pid) gets SIGINT (fast shutdown) or SIGQUIT (immediate) directly; runuser exits after it.
        let pidFile = (try? String(contentsOfFile: "\(directory)/data/postmaster.pid", encoding: .utf8)) ?? ""
        if let postmaster = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) {
            kill(postmaster, immediately ? SIGQUIT : SIGINT)
        }
        if let process { stopProcess(process, after: .seconds(10)) }
        process = nil
    }

    /// The backend process serving the session named `applicationName`, once there is one.
    func backendPID(of applicationName: String) async throws -> Int32? {
        let query = "SELECT pid FROM pg_stat_activity WHERE application_name = '\(applicationName)'"
        _ = try await eventually { try !self.rows(query).isEmpty }
        return try rows(query).first.flatMap { Int32($0) }
    }

    /// Runs SQL through psql as `soak`.
    func execute(_ sql: String) throws {
        let output = try Command.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "soak", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard output.status == 0 else { throw HTTP.Failure(description: "psql: \(output.stderr)") }
    }

    /// Runs a query through psql as `soak` in `database`; its rows, unaligned, one per line.
    func rows(_ sql: String, database: String = "postgres") throws -> [String] {
        let output = try Command.run(
            "/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "soak", "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
        guard output.status == 0 else { throw HTTP.Failure(description: "psql: \(output.stderr)") }
        return output.stdout.split(separator: "\n").map(String.init)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A real pgbouncer in transaction pooling in front of a ``PostgresServer``, with `client_idle_timeout`
/// (as RDS Proxy multiplexes unpinned clients and drops idle ones).
final class PgBouncer: @unchecked Sendable {
    let port: Int
    private let directory: String
    private let binary: String
    private var process: Process?

    /// A connection string for `soak` through the pooler.
    var dsn: String { "host=127.0.0.1 port=\(port) dbname=postgres user=soak" }
    /// pgbouncer's log (timestamps in UTC).
    var logPath: String { "\(directory)/pgbouncer.log" }

    init(server: PostgresServer, clientIdleTimeoutSeconds: Int) async throws {
        let binary = try Executables.required("pgbouncer", package: "pgbouncer")
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-pgbouncer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ini = """
            [databases]
            postgres = host=127.0.0.1 port=\(server.port) dbname=postgres
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(directory)/users.txt
            pool_mode = transaction
            client_idle_timeout = \(clientIdleTimeoutSeconds)
            logfile = \(directory)/pgbouncer.log
            pidfile = \(directory)/pgbouncer.pid
            """
        try ini.write(toFile: "\(directory)/pgbouncer.ini", atomically: true, encoding: .utf8)
        try "\"soak\" \"\"\n".write(toFile: "\(directory)/users.txt", atomically: true, encoding: .utf8)
        // pgbouncer refuses to run as root.
        if getuid() == 0 { _ = try Command.run("/bin/chown", ["-R", "postgres:postgres", directory]) }
        self.binary = binary
        try await start()
    }

    /// Starts pgbouncer (again, on the same port) and waits until it answers.
    func start() async throws {
        let asRoot = getuid() == 0
        let process = Process()
        process.executableURL = URL(fileURLWithPath: asRoot ? "/sbin/runuser" : binary)
        process.arguments = (asRoot ? ["-u", "postgres", "--", binary] : []) + ["\(directory)/pgbouncer.ini"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let ready = try await eventually(timeout: .seconds(10)) {
            (try? Command.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(self.port), "-U", "soak", "-d", "postgres", "-c", "SELECT 1"]).status) == 0
        }
        guard ready else { throw HTTP.Failure(description: "pgbouncer did not start on port \(port)") }
    }

    /// Kills pgbouncer: every client connection through it closes at once, as when a pooler's pod dies.
    func stop() {
        // runuser does not pass signals on, so the signal goes to the PID in the pidfile. It is SIGKILL:
        // pgbouncer inherits the test runner's blocked signals and would never see SIGTERM.
        if let pid = (try? String(contentsOfFile: "\(directory)/pgbouncer.pid", encoding: .utf8)).flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            kill(pid, SIGKILL)
        }
        if let process { stopProcess(process, after: .seconds(10)) }
        process = nil
        try? FileManager.default.removeItem(atPath: "\(directory)/pgbouncer.pid")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
