import Foundation
@testable import Soak
import SoakPostgres

/// A plain HTTP client for the tests: curl, which leaves the body exactly as the server sent it.
enum HTTP {
    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends `body`, when there is one, as it is (set its Content-Type in `headers`).
    static func request(
        _ url: String, method: String = "GET", headers: [String] = [], body: Data? = nil, insecure: Bool = false, timeout: Int = 10
    ) throws -> Answer {
        // curl -X HEAD would wait for the body the headers announce; --head knows a HEAD answer has none.
        var options = method == "HEAD" ? ["--head"] : ["-X", method]
        for header in headers { options += ["-H", header] }
        var bodyFile: String?
        if let body {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("soak-http-body-\(UUID().uuidString)").path
            try body.write(to: URL(fileURLWithPath: path))
            options += ["--data-binary", "@\(path)"]
            bodyFile = path
        }
        defer { if let bodyFile { try? FileManager.default.removeItem(atPath: bodyFile) } }
        if insecure { options.append("-k") }
        let transfer = try transfer(url, options: options, timeout: timeout)
        guard transfer.exitCode == 0 else {
            throw Failure(description: "curl \(url) failed (\(transfer.exitCode)): \(transfer.error)")
        }
        return transfer.answer
    }

    /// One curl run, failed or not: its exit code and error, what `-w` wrote, and the answer (status 0 when none).
    struct Transfer {
        let exitCode: Int32
        let error: String
        let written: String
        let answer: Answer
    }

    /// curl with `options` before `url`; `writeOut` is its `-w` format, whose first word must be `%{http_code}`.
    static func transfer(_ url: String, options: [String], writeOut: String = "%{http_code}", timeout: Int = 10) throws -> Transfer {
        let curl = try Executables.required("curl", package: "curl")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bodyPath = directory.appendingPathComponent("body").path
        let headerPath = directory.appendingPathComponent("headers").path
        let arguments = ["-sS", "--max-time", String(timeout), "-o", bodyPath, "-D", headerPath, "-w", writeOut] + options + [url]
        let output = try Command.run(curl, arguments)
        var parsed: [String: String] = [:]
        let rawHeaders = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        for line in rawHeaders.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            parsed[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let status = output.stdout.split(separator: " ").first.flatMap { Int($0) } ?? 0
        return Transfer(
            exitCode: output.status, error: output.stderr, written: output.stdout,
            answer: Answer(status: status, headers: parsed, body: FileManager.default.contents(atPath: bodyPath) ?? Data()))
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }
}

/// A loopback TCP port nobody listens on right now.
func freePort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw HTTP.Failure(description: "socket() failed: errno \(errno)") }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0 }
    }
    guard bound else { throw HTTP.Failure(description: "bind() failed: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes; returns whether it held. Each
/// check runs on a thread of its own: conditions run programs (curl, psql) and wait for them, which
/// on Swift's few cooperative threads would stall every other test running beside this one.
func eventually(timeout: Duration = .seconds(10), _ condition: @escaping @Sendable () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await BlockingThread.run(name: "eventually", { (try? condition()) == true }) { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await BlockingThread.run(name: "eventually") { Result { try condition() } }.get()
}
