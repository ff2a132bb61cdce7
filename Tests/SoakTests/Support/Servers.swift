import Foundation
import Testing

/// A real nginx on a free loopback port, configured from examples/nginx/demo-target.conf.in, stopped when released.
final class Nginx: @unchecked Sendable {
    let port: Int
    let directory: URL

    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    /// Where nginx logs each request's protocol, with `tls`.
    var accessLog: String { directory.appendingPathComponent("access.log").path }
    let scheme: String
    private var process = Process()

    var protocolsSeen: [String] {
        ((try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Each request nginx answered, with `logRequests`: when it arrived (Unix seconds) and its URI.
    var requests: [(at: Double, uri: String)] {
        ((try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 1)
            guard fields.count == 2, let at = Double(fields[0]) else { return nil }
            return (at, String(fields[1]))
        }
    }

    /// Starts nginx on `port`, or on a free one; with `tls`, over HTTPS with HTTP/2 offered; with
    /// `logRequests`, logging each request's arrival time and URI (``requests``), the target's own count.
    init(port chosenPort: Int? = nil, tls: TestCertificates? = nil, logRequests: Bool = false) async throws {
        let nginx = try Executables.required("nginx", package: "nginx-light")
        port = try chosenPort ?? freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let prefix = directory.path
        let template = URL(fileURLWithPath: "\(repositoryRoot)/examples/nginx/demo-target.conf.in")
        var config = try String(contentsOf: template, encoding: .utf8)
            .replacingOccurrences(of: "@PREFIX@", with: prefix).replacingOccurrences(of: "@PORT@", with: String(port))
        scheme = tls == nil ? "http" : "https"
        if let tls {
            config = config.replacingOccurrences(
                of: "listen 127.0.0.1:\(port);",
                with: """
                    listen 127.0.0.1:\(port) ssl http2;
                        ssl_certificate \(tls.serverCert);
                        ssl_certificate_key \(tls.serverKey);
                        access_log \(prefix)/access.log protocol;
                    """
            ).replacingOccurrences(of: "access_log off;", with: "log_format protocol '$server_protocol';")
        }
        if logRequests {
            config = config.replacingOccurrences(
                of: "access_log off;", with: "log_format requests '$msec $request_uri'; access_log \(prefix)/access.log requests;")
        }
        let configPath = directory.appendingPathComponent("nginx.conf").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        arguments = ["-c", configPath, "-p", prefix, "-e", "\(prefix)/error.log"]
        executable = nginx
        try await start()
    }

    private let executable: String
    private let arguments: [String]

    /// Starts nginx (again, after ``stop()``) and waits until it answers.
    func start() async throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let url = "\(scheme)://127.0.0.1:\(port)/ok"
        let up = try await eventually { (try? HTTP.request(url, insecure: true).status) == 200 }
        guard up else {
            let log = (try? String(contentsOfFile: "\(directory.path)/error.log", encoding: .utf8)) ?? ""
            throw HTTP.Failure(description: "nginx did not start on port \(port): \(log)")
        }
    }

    /// Stops nginx; its port refuses connections until ``start()``.
    func stop() {
        process.terminate()
        stopProcess(process, after: .seconds(5))
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// The port a child process printed to `outputPath` on a line `<prefix>[host:]port`, once it has;
/// nil if it has not within `timeout`.
func announcedPort(in outputPath: String, after prefix: String, timeout: Duration = .seconds(10)) async throws -> Int? {
    @Sendable func port() -> Int? {
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }?.dropFirst(prefix.count).split(separator: ":").last.flatMap { Int($0) }
    }
    guard try await eventually(timeout: timeout, { port() != nil }) else { return nil }
    return port()
}

/// Waits for `process` to exit, polling (Foundation's waitUntilExit spins a CPU), and kills it
/// with SIGKILL if it is still running after `timeout`.
/// Waits up to `timeout` for `process` to end, then kills it; returns its exit status (nil when it
/// was killed by a signal or its status is lost). Foundation's Process now and then misses its
/// child's SIGCHLD and reports a zombie as running for ever (a whole test run once hung here), so the
/// child is reaped here too, and then only this return value has its status: after a call, read
/// this, never `process.terminationStatus` (which traps while Foundation believes it running).
@discardableResult
func stopProcess(_ process: Process, after timeout: Duration) -> Int32? {
    let pid = process.processIdentifier
    var exitStatus: Int32?
    func ended() -> Bool {
        guard process.isRunning else {
            exitStatus = process.terminationReason == .exit ? process.terminationStatus : nil
            return true
        }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid {
            // WIFEXITED and WEXITSTATUS, which Swift does not import.
            exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : nil
            return true
        }
        return reaped == -1 && errno == ECHILD
    }
    func wait(until deadline: ContinuousClock.Instant) {
        while !ended(), ContinuousClock.now < deadline { usleep(10_000) }
    }
    wait(until: .now + timeout)
    guard !ended() else { return exitStatus }
    kill(pid, SIGKILL)
    wait(until: .now + .seconds(10))
    return exitStatus
}

/// The Python-stdlib fault server in Fixtures/fault_server.py, stopped when released.
final class FaultServer: @unchecked Sendable {
    private(set) var port = 0
    private let process = Process()
    private let outputPath: String

    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }
    let scheme: String

    /// Where requests are logged as JSON lines, when asked for.
    let requestLog: String?

    /// Plain HTTP, or TLS that requires a client certificate signed by `clientCA`; `logRequests` keeps a log.
    init(tls: (cert: String, key: String, clientCA: String)? = nil, logRequests: Bool = false) async throws {
        let python = try Executables.required("python3", package: "python3")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fault_server.py").path
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("soak-fault-\(UUID().uuidString).out").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        scheme = tls == nil ? "http" : "https"
        requestLog = logRequests ? outputPath + ".requests" : nil
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + (requestLog.map { ["--log", $0] } ?? []) + (tls.map { ["--tls", $0.cert, $0.key, $0.clientCA] } ?? [])
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard let port = try await announcedPort(in: outputPath, after: "listening ") else {
            throw HTTP.Failure(description: "the fault server did not start")
        }
        self.port = port
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        stopProcess(process, after: .seconds(5))
        try? FileManager.default.removeItem(atPath: outputPath)
        if let requestLog { try? FileManager.default.removeItem(atPath: requestLog) }
    }

    /// The requests logged so far, each as the JSON object the server wrote.
    func loggedRequests() -> [[String: Any]] {
        guard let requestLog, let text = try? String(contentsOfFile: requestLog, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
struct TestCertificates {
    let directory: String
    var caCert: String { directory + "/ca.pem" }
    var serverCert: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCert: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }

    init() throws {
        let openssl = try Executables.required("openssl", package: "openssl")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let d = directory
        try Self.run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=soak test CA",
                               "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: "\(d)/server.ext", atomically: true, encoding: .utf8)
        for (name, subject, ext) in [("server", "/CN=127.0.0.1", ["-extfile", "\(d)/server.ext"]), ("client", "/CN=soak client", [])] {
            try Self.run(openssl, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", "\(d)/\(name).key", "-out", "\(d)/\(name).csr"])
            try Self.run(openssl, ["x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key",
                                   "-CAcreateserial", "-days", "2", "-out", "\(d)/\(name).pem"] + ext)
        }
    }

    private static func run(_ openssl: String, _ arguments: [String]) throws {
        let output = try Command.run(openssl, arguments)
        guard output.status == 0 else { throw HTTP.Failure(description: "openssl \(arguments.first ?? ""): \(output.stderr)") }
    }
}
