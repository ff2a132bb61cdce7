import Foundation
import Testing

/// A real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port, in a temporary
/// directory, sending every alert on its own, within a second and resolved ones too, to one webhook
/// with basic auth; stopped when released.
final class AlertmanagerServer: @unchecked Sendable {
    let port: Int
    private let process = Process()
    private let directory: URL
    private let logPath: URL

    var log: String { (try? String(contentsOf: logPath, encoding: .utf8)) ?? "" }

    init(webhook url: String, username: String, password: String) async throws {
        let binary = try Executables.required("prometheus-alertmanager", package: "prometheus-alertmanager")
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-alertmanager-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("alertmanager.yml").path
        // group_by ['...'] makes every alert a group of its own: one notification names one alert.
        try """
            route:
              receiver: webhook
              group_by: ['...']
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: webhook
                webhook_configs:
                  - url: "\(url)"
                    send_resolved: true
                    http_config:
                      basic_auth: { username: "\(username)", password: "\(password)" }
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = directory.appendingPathComponent("alertmanager.log")
        _ = FileManager.default.createFile(atPath: logPath.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(configPath)", "--storage.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ]
        process.standardError = try FileHandle(forWritingTo: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let ready = try await eventually(timeout: .seconds(20)) { [port] in
            (try? HTTP.request("http://127.0.0.1:\(port)/-/ready").status) == 200
        }
        guard ready else { throw HTTP.Failure(description: "Alertmanager did not start on port \(port):\n\(log)") }
    }

    deinit {
        process.terminate()
        stopProcess(process, after: .seconds(10))
        try? FileManager.default.removeItem(at: directory)
    }
}
