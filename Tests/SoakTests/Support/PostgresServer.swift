import Foundation
import Testing

/// A real PostgreSQL 15 in a temporary directory on a free loopback port, stopped when released.
/// initdb refuses to run as root, so as root the server runs as the `postgres` user.
final class PostgresServer {
    let port: Int
    let directory: String
    private let process = Process()
    private let bin = "/usr/lib/postgresql/15/bin"

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
        let asRoot = getuid() == 0
        if asRoot {
            _ = try Command.run("/bin/chown", ["postgres:postgres", directory])
        }
        let initdb = try run(["\(bin)/initdb", "-D", "\(directory)/data", "-U", "soak", "--auth=trust", "-E", "UTF8"], asRoot: asRoot)
        guard initdb.status == 0 else { throw HTTP.Failure(description: "initdb failed: \(initdb.stderr)") }
        let command = ["\(bin)/postgres", "-D", "\(directory)/data", "-p", String(port), "-k", directory, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        process.executableURL = URL(fileURLWithPath: asRoot ? "/sbin/runuser" : command[0])
        process.arguments = asRoot ? ["-u", "postgres", "--"] + command : Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let ready = try await eventually(timeout: .seconds(30)) {
            (try? Command.run("\(self.bin)/pg_isready", ["-h", "127.0.0.1", "-p", String(self.port)]).status) == 0
        }
        guard ready else { throw HTTP.Failure(description: "PostgreSQL did not start on port \(port)") }
    }

    /// Runs SQL through psql as `soak`.
    func execute(_ sql: String) throws {
        let output = try Command.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "soak", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard output.status == 0 else { throw HTTP.Failure(description: "psql: \(output.stderr)") }
    }

    private func run(_ command: [String], asRoot: Bool) throws -> Command.Output {
        asRoot ? try Command.run("/sbin/runuser", ["-u", "postgres", "--"] + command) : try Command.run(command[0], Array(command.dropFirst()))
    }

    deinit {
        // SIGINT is PostgreSQL's fast shutdown. runuser does not pass signals on, so the postmaster
        // (its PID is the first line of postmaster.pid) gets it directly; runuser exits after it.
        let pidFile = (try? String(contentsOfFile: "\(directory)/data/postmaster.pid", encoding: .utf8)) ?? ""
        if let postmaster = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) {
            kill(postmaster, SIGINT)
        }
        stopProcess(process, after: .seconds(10))
        try? FileManager.default.removeItem(atPath: directory)
    }
}
