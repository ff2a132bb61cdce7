import Foundation
import Testing

/// A real Prometheus scraping one soak every second as job `soak`, on a free port in a temporary
/// directory, stopped when released.
final class PrometheusServer: @unchecked Sendable {
    let port: Int
    private let process = Process()
    private let directory: URL
    private let logPath: URL

    var log: String { (try? String(contentsOf: logPath, encoding: .utf8)) ?? "" }

    /// `jobSettings` are more lines for the `soak` job (scheme, tls_config, basic_auth), indented by four;
    /// `moreJobs` more entries of scrape_configs, indented by two.
    init(scraping target: String, jobSettings: String = "", moreJobs: String = "") async throws {
        let binary = try Executables.required("prometheus", package: "prometheus")
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("prometheus.yml").path
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: soak
            static_configs:
              - targets: ["\(target)"]
        \(jobSettings)
        \(moreJobs)
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = directory.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: logPath.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(configPath)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        process.standardError = try FileHandle(forWritingTo: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// The samples of an instant query; a query Prometheus rejects throws with its error.
    func query(_ expression: String) throws -> [[String: Any]] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed) ?? expression
        let answer = try HTTP.request("http://127.0.0.1:\(port)/api/v1/query?query=\(encoded)")
        let json = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
        guard json?["status"] as? String == "success" else {
            throw HTTP.Failure(description: "Prometheus rejected \(expression): \(json?["error"] as? String ?? answer.text)")
        }
        return (json?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
    }

    /// The scrape targets Prometheus knows, each as its API reports it (`labels`, `health`, `lastError`).
    func targets() throws -> [[String: Any]] {
        let answer = try HTTP.request("http://127.0.0.1:\(port)/api/v1/targets")
        let json = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
        return (json?["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]] ?? []
    }

    /// A sample's value as Prometheus writes it.
    static func value(_ sample: [String: Any]) -> String? {
        (sample["value"] as? [Any])?.last as? String
    }

    deinit {
        process.terminate()
        stopProcess(process, after: .seconds(10))
        try? FileManager.default.removeItem(at: directory)
    }
}
