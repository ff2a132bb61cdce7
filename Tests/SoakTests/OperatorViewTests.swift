import Foundation
@testable import Soak
import SoakPostgres
import Testing

/// What an operator sees: one log line when a request starts failing, a summary while it keeps
/// failing, one when it recovers; and the live status page and its JSON.
@Suite("Operator view: failure logs, status page and status API", .timeLimit(.minutes(2)))
struct OperatorViewTests {
    static func config(_ target: String, dead: String) -> String {
        """
        targets:
          nginx: { url: "\(target)" }
          dead: { url: "\(dead)" }
        scenarios:
          - { name: steady, target: nginx, rate: 10/s, requests: [{ name: status, path: "/json?token=hunter2" }] }
          - { name: broken, target: dead, rate: 5/s, requests: [{ name: home, path: "/home" }] }
        """
    }

    @Test func aTargetThatStopsLogsOneOnsetSummariesAndOneRecovery() async throws {
        let nginx = try await Nginx()
        let soak = try await RunningSoak(
            config: Self.config(nginx.baseURL, dead: "http://127.0.0.1:\(try freePort())"), extraArguments: ["--log.failure-interval", "2s"])
        #expect(try await eventually { (try soak.value("soak_http_requests_total", ["scenario": "steady", "code": "200"]) ?? 0) >= 10 })
        nginx.stop()
        let onset = #"msg="request failing""#
        let summary = #"msg="request still failing: "#
        @Sendable func lines(_ marker: String) -> [Substring] {
            soak.log.split(separator: "\n").filter { $0.contains(marker) && $0.contains("scenario=steady") }
        }
        #expect(try await eventually(timeout: .seconds(20)) { lines(summary).count >= 2 }, "log:\n\(soak.log)")
        try await nginx.start()
        #expect(try await eventually(timeout: .seconds(20)) { !lines(#"msg="request recovered""#).isEmpty }, "log:\n\(soak.log)")

        let onsets = lines(onset)
        #expect(onsets.count == 1, "\(onsets)")
        let line = try #require(onsets.first)
        #expect(line.contains("reason=connect") && line.contains("status=0") && line.contains("method=GET") && line.contains("path=/json"))
        #expect(line.contains(#"error="Failed to connect to 127.0.0.1 port \#(nginx.port)"#), "libcurl's words: \(line)")
        #expect(!soak.log.contains("hunter2"), "the query leaked into the log")
        for line in lines(summary) {
            #expect(line.contains(" in the last 2s; connect "), "\(line)")
        }
        let recovered = lines(#"msg="request recovered""#)
        #expect(recovered.count == 1)
        #expect(recovered.first?.contains("failed_for=") == true && recovered.first?.contains("failures=") == true)
        // Never a line per request: about 10 failures a second for several seconds made only these.
        let failures = try #require(try soak.value("soak_http_request_errors_total", ["scenario": "steady", "reason": "connect"]))
        #expect(failures > 20)
        #expect(lines("level=warn").count <= 1 + lines(summary).count)
    }

    /// The status API and page show live numbers per request and the failing one's reason and
    /// libcurl's words; the page renders in headless Chromium, and its script keeps the numbers live.
    @Test func statusPageShowsLiveNumbersAndTheFailureReason() async throws {
        let chromium = try Executables.required("chromium", package: "chromium")
        let nginx = try await Nginx()
        let deadPort = try freePort()
        let soak = try await RunningSoak(config: Self.config(nginx.baseURL, dead: "http://127.0.0.1:\(deadPort)") + """

            web: { links: { prometheus: "http://prometheus.example:9090", grafana: "https://grafana.example/d/soak-overview" } }
            """)
        #expect(try await eventually { (try soak.value("soak_http_requests_total", ["scenario": "steady"]) ?? 0) >= 20 })

        let answer = try soak.get("/api/v1/status")
        #expect(answer.headers["content-type"] == "application/json")
        let status = try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
        #expect(status["schema"] as? String == "soak-status/1")
        let scenarios = try #require(status["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["name"] as? String } == ["steady", "broken"])
        let steady = try #require((scenarios[0]["requests"] as? [[String: Any]])?.first)
        let steadyMinute = try #require(steady["last_minute"] as? [String: Any])
        #expect(steadyMinute["error_ratio"] as? Double == 0)
        #expect((steadyMinute["rate_per_second"] as? Double ?? 0) > 2)
        #expect((steadyMinute["p99_seconds"] as? Double ?? 0) > 0)
        let broken = try #require((scenarios[1]["requests"] as? [[String: Any]])?.first)
        #expect((broken["last_minute"] as? [String: Any])?["error_ratio"] as? Double == 1)
        let failure = try #require((broken["failures"] as? [[String: Any]])?.first)
        #expect(failure["reason"] as? String == "connect")
        #expect((failure["message"] as? String)?.contains("port \(deadPort)") == true)
        // The failure samples count what the metric counts (one kind of failure, so nothing was evicted).
        let sampled = try #require(try JSONSerialization.jsonObject(with: try soak.get("/api/v1/status").body) as? [String: Any])
        let counted = try #require(try soak.value("soak_http_request_errors_total", ["scenario": "broken"]))
        let samples = (((sampled["scenarios"] as? [[String: Any]])?[1]["requests"] as? [[String: Any]])?.first?["failures"] as? [[String: Any]]) ?? []
        let sampleCount = samples.compactMap { $0["count"] as? Int }.reduce(0, +)
        #expect(abs(Double(sampleCount) - counted) <= 2, "samples \(sampleCount), metric \(counted)")
        #expect((status["links"] as? [String: String])?["grafana"] == "https://grafana.example/d/soak-overview")

        // The page in a real browser, after its script has refreshed once.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-status-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(directory)/profile", "--window-size=1200,900"]
        let url = soak.baseURL + "/"
        let dom = try await BlockingThread.run(name: "chromium") {
            Result { try Command.run(chromium, flags + ["--virtual-time-budget=7000", "--dump-dom", url]) }
        }.get()
        #expect(dom.status == 0, "chromium: \(dom.stderr)")
        #expect(dom.stdout.contains("scenario steady") && dom.stdout.contains("scenario broken"))
        #expect(dom.stdout.contains("failures of home"))
        #expect(dom.stdout.contains("Failed to connect to 127.0.0.1 port \(deadPort)"))
        #expect(dom.stdout.contains(#"data-v="scenarios.1.requests.0.last_minute.error_ratio" data-f="ratio">100.00%"#), "\(dom.stdout.prefix(3000))")
        #expect(dom.stdout.contains(#"data-v="scenarios.0.requests.0.last_minute.error_ratio" data-f="ratio">0.00%"#))
        #expect(dom.stdout.contains(#"<a href="https://grafana.example/d/soak-overview">grafana</a>"#))
        #expect(!dom.stdout.contains("hunter2") || dom.stdout.contains("path: /json?token=hunter2"), "the token may appear only in the config as written")

        let screenshot = "\(directory)/status.png"
        let shot = try await BlockingThread.run(name: "chromium") {
            Result { try Command.run(chromium, flags + ["--screenshot=\(screenshot)", url]) }
        }.get()
        #expect(shot.status == 0, "chromium: \(shot.stderr)")
        let python = try Executables.required("python3", package: "python3")
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/png_stats.py").path
        let stats = try Command.run(python, [fixture, screenshot, "ffdddd"])
        let facts = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect((facts["non_white"] as? Int ?? 0) > 20_000, "\(facts)")
        // The failing request's row and its failures are tinted.
        #expect(((facts["near"] as? [String: Int])?["ffdddd"] ?? 0) > 2_000, "\(facts)")
        if let destination = ProcessInfo.processInfo.environment["SOAK_STATUS_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: destination)
            try FileManager.default.copyItem(atPath: screenshot, toPath: destination)
        }
    }
}
