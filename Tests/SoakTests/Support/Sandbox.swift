import Foundation
import Testing

/// `soak-sandbox`, built beside this test bundle, on a database of its own in `server`, requiring
/// basic auth as `soak`/`sandbox-pw`; stopped with SIGTERM when released.
final class Sandbox: @unchecked Sendable {
    static let username = "soak"
    static let password = "sandbox-pw"

    let database: String
    private(set) var port = 0
    private let process = Process()
    private let outputPath: String

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// A target block for soak's config, named `sandbox`, with the sandbox's credentials.
    var target: String {
        """
        targets:
          sandbox:
            url: \(baseURL)
            auth: { basic: { username: \(Self.username), password: \(Self.password) } }
        """
    }

    /// The Authorization header the sandbox requires.
    static var authorization: String { "Authorization: Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }

    /// An authenticated request to the sandbox; `json` is sent as the body with its Content-Type.
    func request(_ path: String, method: String = "GET", json: String? = nil) throws -> HTTP.Answer {
        try HTTP.request(
            baseURL + path, method: method, headers: [Self.authorization] + (json == nil ? [] : ["Content-Type: application/json"]),
            body: json.map { Data($0.utf8) })
    }

    /// Sets run-time faults (a JSON object for POST /sandbox/faults), or clears them all with nil.
    func setFaults(_ json: String?) throws {
        let answer = try request("/sandbox/faults", method: json == nil ? "DELETE" : "POST", json: json)
        guard answer.status == 200 else { throw HTTP.Failure(description: "sandbox faults \(json ?? "DELETE"): \(answer.status) \(answer.text)") }
    }

    init(server: PostgresServer, arguments: [String] = []) async throws {
        database = "sandbox_\(UUID().uuidString.prefix(8).lowercased())"
        try server.execute("CREATE DATABASE \(database)")
        let binary = URL(fileURLWithPath: Executables.soak).deletingLastPathComponent().appendingPathComponent("soak-sandbox").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw HTTP.Failure(description: "\(binary) is missing: build it with swift build --build-tests (scripts/test does)")
        }
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("soak-sandbox-\(UUID().uuidString).out").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--listen", "127.0.0.1:0", "--dsn", "host=127.0.0.1 port=\(server.port) dbname=\(database) user=soak",
            "--username", Self.username, "--password", Self.password,
        ] + arguments
        let outputFile = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = outputFile
        process.standardError = outputFile
        try process.run()
        guard let port = try await announcedPort(in: outputPath, after: "soak-sandbox listening on ", timeout: .seconds(20)) else {
            throw HTTP.Failure(description: "soak-sandbox did not start; its output:\n\(self.output)")
        }
        self.port = port
    }

    deinit {
        kill(process.processIdentifier, SIGTERM)
        stopProcess(process, after: .seconds(5))
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}
