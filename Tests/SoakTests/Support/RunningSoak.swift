import Foundation
import Testing

/// A soak daemon started from the built binary on a port of its own choosing, stopped at the end of the test.
final class RunningSoak: @unchecked Sendable {
    let process = Process()
    let directory: URL
    let configPath: String
    let logPath: String
    private(set) var port = 0

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts `soak run` on `config` (YAML text) with `extraArguments`, and waits until it listens.
    /// With `softFileLimit`, soak starts with that soft limit on open files (`ulimit -Sn`).
    convenience init(config: String, extraArguments: [String] = [], waitUntilListening: Bool = true, softFileLimit: Int? = nil) async throws {
        try await self.init(
            configFile: nil, text: config, extraArguments: extraArguments, environment: [:], waitUntilListening: waitUntilListening,
            softFileLimit: softFileLimit)
    }

    /// Starts `soak run` on an existing config file with extra environment variables.
    convenience init(configFile: String, environment: [String: String]) async throws {
        try await self.init(configFile: configFile, text: nil, extraArguments: [], environment: environment, waitUntilListening: true)
    }

    private init(
        configFile: String?, text: String?, extraArguments: [String], environment: [String: String], waitUntilListening: Bool,
        softFileLimit: Int? = nil
    ) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configPath = configFile ?? directory.appendingPathComponent("soak.yaml").path
        logPath = directory.appendingPathComponent("soak.log").path
        if let text { try writeConfig(text) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let arguments = ["run", "--config.file", configPath, "--web.listen-address", "127.0.0.1:0"] + extraArguments
        if let softFileLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -Sn \(softFileLimit) && exec \"$0\" \"$@\"", Executables.soak] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Executables.soak)
            process.arguments = arguments
        }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        guard waitUntilListening else { return }
        let listening = try await eventually { self.listeningPort() != nil || !self.process.isRunning }
        guard listening, let port = listeningPort() else {
            throw HTTP.Failure(description: "soak did not start listening; its log:\n\(log)")
        }
        self.port = port
    }

    func writeConfig(_ text: String) throws {
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func get(_ path: String, headers: [String] = []) throws -> HTTP.Answer {
        try HTTP.request(baseURL + path, headers: headers)
    }

    func post(_ path: String) throws -> HTTP.Answer {
        try HTTP.request(baseURL + path, method: "POST")
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit; returns its status, or nil if it still runs after `timeout`.
    /// When soak logged `message` (logfmt's `ts`), for timings a busy test runner cannot stretch.
    func loggedAt(_ message: String) -> Date? {
        let quoted = message.contains(" ") ? "msg=\"\(message)\"" : "msg=\(message)"
        guard let line = log.split(separator: "\n").first(where: { $0.contains(quoted) }), let stamp = line.split(separator: " ").first,
            stamp.hasPrefix("ts=")
        else { return nil }
        return try? Date(String(stamp.dropFirst(3)), strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    func waitForExit(timeout: Duration) async throws -> Int32? {
        _ = try await eventually(timeout: timeout) { !self.process.isRunning }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// The value of an unlabelled sample in the current /metrics.
    func metric(_ name: String) throws -> Double? {
        let text = try get("/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// The value of the sample `name{labels}` (labels matched as a subset), summed over matching series.
    func value(_ name: String, _ labels: [String: String] = [:]) throws -> Double? {
        MetricsText.value(try get("/metrics").text, name, labels)
    }

    private func listeningPort() -> Int? {
        for line in log.split(separator: "\n") where line.contains("msg=listening") {
            if let range = line.range(of: "address=") {
                return line[range.upperBound...].split(separator: ":").last.flatMap { Int($0) }
            }
        }
        return nil
    }

    deinit {
        if process.isRunning {
            process.terminate()
            stopProcess(process, after: .seconds(10))
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
