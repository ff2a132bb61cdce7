import Foundation
import Testing

/// A real Prometheus scraping its jobs every second and evaluating rules every second, on a free port
/// in a temporary directory, stopped when released.
final class PrometheusServer: @unchecked Sendable {
    /// One scrape job: its name, its target (`host:port`) and the basic-auth credentials it needs.
    struct Job {
        let name: String
        let target: String
        var credentials: (username: String, password: String)? = nil
        /// More lines for the job (scheme, tls_config, basic_auth), indented by four.
        var settings = ""
    }

    let port: Int
    private let process = Process()
    private let directory: URL
    private let logPath: URL

    var log: String { (try? String(contentsOf: logPath, encoding: .utf8)) ?? "" }

    /// Scrapes one soak as job `soak`; `jobSettings` are more lines for that job (scheme, tls_config,
    /// basic_auth), indented by four; `moreJobs` more entries of scrape_configs, indented by two.
    convenience init(scraping target: String, jobSettings: String = "", moreJobs: String = "") async throws {
        try await self.init(jobs: [Job(name: "soak", target: target, settings: jobSettings)], moreJobs: moreJobs)
    }

    /// Scrapes `jobs` (and the raw `moreJobs` entries); with `rules` (the text of a rule file),
    /// evaluates them and sends alerts to the Alertmanager on `alertmanagerPort`.
    init(jobs: [Job], moreJobs: String = "", rules: String? = nil, alertmanagerPort: Int? = nil) async throws {
        let binary = try Executables.required("prometheus", package: "prometheus")
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("prometheus.yml").path
        var config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:

            """
        for job in jobs {
            config += "  - job_name: \(job.name)\n    static_configs: [{ targets: [\"\(job.target)\"] }]\n"
            if let credentials = job.credentials {
                config += "    basic_auth: { username: \"\(credentials.username)\", password: \"\(credentials.password)\" }\n"
            }
            if !job.settings.isEmpty { config += job.settings + "\n" }
        }
        if !moreJobs.isEmpty { config += moreJobs + "\n" }
        if let rules {
            let rulesPath = directory.appendingPathComponent("rules.yml").path
            try rules.write(toFile: rulesPath, atomically: true, encoding: .utf8)
            config += "rule_files: [\"\(rulesPath)\"]\n"
        }
        if let alertmanagerPort {
            config += "alerting:\n  alertmanagers: [{ static_configs: [{ targets: [\"127.0.0.1:\(alertmanagerPort)\"] }] }]\n"
        }
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
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

    /// The alerts Prometheus holds now (pending and firing), for failure messages.
    func alerts() -> String {
        (try? HTTP.request("http://127.0.0.1:\(port)/api/v1/alerts").text) ?? "(no answer)"
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
