import Foundation
import Testing

@Suite("A real Prometheus scrapes soak", .timeLimit(.minutes(2)))
struct PrometheusScrapeTests {
    @Test func prometheusSeesSoakUpWithItsBuildInfo() async throws {
        let prometheusBinary = try Executables.required("prometheus", package: "prometheus")
        let soak = try await RunningSoak(config: "")
        let port = try freePort()
        let directory = soak.directory.appendingPathComponent("prometheus")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("prometheus.yml").path
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: soak
            static_configs:
              - targets: ["127.0.0.1:\(soak.port)"]
        """.write(toFile: configPath, atomically: true, encoding: .utf8)

        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: prometheusBinary)
        prometheus.arguments = [
            "--config.file=\(configPath)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        let logPath = directory.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: logPath.path, contents: nil)
        prometheus.standardError = try FileHandle(forWritingTo: logPath)
        prometheus.standardOutput = FileHandle.nullDevice
        try prometheus.run()
        defer {
            prometheus.terminate()
            stopProcess(prometheus, after: .seconds(10))
        }

        @Sendable func query(_ expression: String) throws -> [[String: Any]] {
            let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
            let answer = try HTTP.request("http://127.0.0.1:\(port)/api/v1/query?query=\(encoded)")
            let json = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
            let data = json?["data"] as? [String: Any]
            return data?["result"] as? [[String: Any]] ?? []
        }
        @Sendable func value(_ sample: [String: Any]) -> String? {
            (sample["value"] as? [Any])?.last as? String
        }

        let up = try await eventually(timeout: .seconds(60)) {
            try query(#"up{job="soak"}"#).contains { value($0) == "1" }
        }
        let prometheusLog = (try? String(contentsOf: logPath, encoding: .utf8)) ?? ""
        #expect(up, "up{job=\"soak\"} never became 1; Prometheus log:\n\(prometheusLog)")
        let buildInfo = try query(#"soak_build_info{job="soak"}"#)
        #expect(buildInfo.count == 1)
        let labels = buildInfo.first?["metric"] as? [String: String]
        #expect(labels?["version"] == "0.1.0")
        #expect(labels?["swift_version"]?.hasPrefix("6.") == true)
        #expect(buildInfo.first.flatMap(value) == "1")
        #expect(try query(#"soak_config_last_reload_successful{job="soak"}"#).first.flatMap(value) == "1")
    }
}
