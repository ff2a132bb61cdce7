import Foundation
@testable import Soak
import Testing

/// `soak run --duration …` as a CI job runs it: the binary, its exit status, stdout and the files it writes.
struct TimedRun {
    let status: Int32
    let stdout: String
    let stderr: String

    static func run(config: String, _ arguments: [String], in directory: String) async throws -> TimedRun {
        let configPath = "\(directory)/soak-\(UUID().uuidString).yaml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let soak = Executables.soak
        let output = try await BlockingThread.run(name: "timed-run") {
            Result { try Command.run(soak, ["run", "--config.file", configPath, "--web.listen-address", "127.0.0.1:0", "--log.level", "warn"] + arguments) }
        }.get()
        return TimedRun(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("soak-gate-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func scenario(_ baseURL: String, path: String, thresholds: String) -> String {
    """
    targets:
      api: { url: "\(baseURL)" }
    scenarios:
      - name: ingest
        target: api
        rate: 25/s
        thresholds: \(thresholds)
        requests:
          - { name: post, path: "\(path)" }
    """
}

@Suite("Timed runs as a CI gate: exit status, summary, baseline, JUnit, HTML", .timeLimit(.minutes(2)))
struct GateTests {
    @Test func aHealthyRunExitsZeroAndWritesEveryReport() async throws {
        let nginx = try await Nginx()
        let directory = try temporaryDirectory()
        let run = try await TimedRun.run(
            config: scenario(nginx.baseURL, path: "/pulp/api/v3/status/", thresholds: #"["p95 < 500ms", "p99 < 1s", "error_ratio < 1%", "rate > 20/s"]"#),
            ["--duration", "3s", "--summary-file", "\(directory)/summary.json", "--junit", "\(directory)/junit.xml", "--html", "\(directory)/report.html"],
            in: directory)
        #expect(run.status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains("ingest/post"))
        #expect(run.stdout.contains("PASS: 4 checks passed"))

        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/summary.json")))
        #expect(summary.schema == "soak-summary/1")
        #expect(summary.completed && summary.passed)
        #expect(summary.durationSeconds >= 3 && summary.durationSeconds < 5)
        let figure = try #require(summary.requests.first)
        #expect(figure.requests >= 65 && figure.requests <= 80, "requests \(figure.requests)")
        #expect(figure.errors == 0, "errors by reason: \(figure.errorsByReason)")
        #expect(figure.latency.p50 > 0 && figure.latency.p50 <= figure.latency.p95 && figure.latency.p95 <= figure.latency.p99)
        #expect(figure.latency.p99 <= figure.latency.max)
        #expect(figure.phaseP95["processing"] != nil)
        #expect(figure.timeline.reduce(0) { $0 + $1.requests } == figure.requests)
        let total = try #require(summary.scenarios.first)
        #expect(total.key == "ingest/*" && total.requests == figure.requests && total.latency == figure.latency)
        #expect(summary.checks.map(\.name) == ["ingest/post p95 < 500ms", "ingest/post p99 < 1s", "ingest/post error_ratio < 1.0%", "ingest rate > 20/s"])

        let junit = try validXML("\(directory)/junit.xml")
        #expect(junit.contains(#"tests="4" failures="0""#))
    }

    @Test func metricsAreServedDuringATimedRunWhichThenStopsByItself() async throws {
        let nginx = try await Nginx()
        let soak = try await RunningSoak(
            config: scenario(nginx.baseURL, path: "/pulp/api/v3/status/", thresholds: #"["p95 < 500ms"]"#), extraArguments: ["--duration", "8s"])
        #expect(try await eventually { (try soak.value("soak_http_requests_total", ["scenario": "ingest"]) ?? 0) > 0 })
        #expect(try soak.get("/readyz").status == 200)
        let status = try await soak.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "log:\n\(soak.log)")
        let started = try #require(soak.loggedAt("starting soak"))
        let stopped = try #require(soak.loggedAt("soak stopped"))
        #expect(stopped.timeIntervalSince(started) >= 8 && stopped.timeIntervalSince(started) < 10)
    }

    @Test func anErrorBurstFailsItsThreshold() async throws {
        let server = try await FaultServer()
        let directory = try temporaryDirectory()
        let run = try await TimedRun.run(
            config: scenario(server.baseURL, path: "/status/500", thresholds: #"["p95 < 500ms", "error_ratio < 1%"]"#),
            ["--duration", "2s", "--junit", "\(directory)/junit.xml"], in: directory)
        #expect(run.status == 1, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains("ingest/post error_ratio < 1.0%  FAIL"))
        #expect(run.stdout.contains("FAIL: 1 of 2 checks failed"))
        let junit = try validXML("\(directory)/junit.xml")
        #expect(junit.contains(#"tests="2" failures="1""#))
        #expect(junit.contains(#"<failure message="ingest/post failed"#))
    }

    @Test func aLatencyRegressionFailsTheBaselineAndTheDeltasArePrinted() async throws {
        let server = try await FaultServer()
        let directory = try temporaryDirectory()
        let loose = #"["p95 < 5s"]"#
        let before = try await TimedRun.run(
            config: scenario(server.baseURL, path: "/slow?ms=20", thresholds: loose), ["--duration", "2s", "--summary-file", "\(directory)/base.json"],
            in: directory)
        #expect(before.status == 0, "\(before.stdout)\(before.stderr)")
        // The same requests, ten times slower.
        let after = try await TimedRun.run(
            config: scenario(server.baseURL, path: "/slow?ms=200", thresholds: loose),
            ["--duration", "2s", "--baseline", "\(directory)/base.json", "--junit", "\(directory)/junit.xml"], in: directory)
        #expect(after.status == 1, "\(after.stdout)\(after.stderr)")
        #expect(after.stdout.contains("ingest/post p95 vs baseline"))
        #expect(after.stdout.contains("FAIL"))
        #expect(after.stdout.contains("at most +20.0% allowed"))
        #expect(after.stdout.contains("ingest/post error_ratio vs baseline  pass"))
        _ = try validXML("\(directory)/junit.xml")

        // Against itself the run passes.
        let again = try await TimedRun.run(
            config: scenario(server.baseURL, path: "/slow?ms=20", thresholds: loose),
            ["--duration", "2s", "--baseline", "\(directory)/base.json", "--baseline.latency-tolerance", "100%"], in: directory)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    }

    @Test func aMalformedOrMismatchedBaselineIsAClearErrorWithExitTwo() async throws {
        let directory = try temporaryDirectory()
        let config = scenario("http://127.0.0.1:1", path: "/", thresholds: "[]")
        try "not json".write(toFile: "\(directory)/garbage.json", atomically: true, encoding: .utf8)
        try #"{"schema": "soak-summary/0"}"#.write(toFile: "\(directory)/old.json", atomically: true, encoding: .utf8)
        try #"{"schema": "soak-summary/1", "requests": []}"#.write(toFile: "\(directory)/partial.json", atomically: true, encoding: .utf8)
        let cases = [
            ("garbage.json", "not a soak summary (not a JSON object); give the --summary-file of an earlier run"),
            ("old.json", #"schema "soak-summary/0", this soak reads "soak-summary/1"; write a new baseline with --summary-file"#),
            ("partial.json", "not a valid soak-summary/1 summary (missing "),
            ("absent.json", "cannot read the baseline file"),
        ]
        for (file, message) in cases {
            let run = try await TimedRun.run(config: config, ["--duration", "1s", "--baseline", "\(directory)/\(file)"], in: directory)
            #expect(run.status == 2, "\(file)")
            // The log line is logfmt, which escapes the quotes inside the problem.
            #expect(run.stderr.replacingOccurrences(of: #"\""#, with: #"""#).contains(message), "\(file): \(run.stderr)")
        }

        // A baseline written for other requests.
        var other = RunSummary(
            soakVersion: "0", revision: "x", configFile: "other.yaml", configHash: "fnv1a64:0", startedAt: "", endedAt: "", durationSeconds: 1,
            completed: true, requests: [], checks: [], passed: true)
        other.requests = [
            RequestFigures(
                scenario: "browse", request: "home", method: "GET", requests: 1, errors: 0, ratePerSecond: 1, errorRatio: 0,
                latency: .init(p50: 0.01, p95: 0.01, p99: 0.01, max: 0.01), phaseP95: [:], errorsByReason: [:], timeline: [])
        ]
        try other.json().write(toFile: "\(directory)/other.json", atomically: true, encoding: .utf8)
        let mismatched = try await TimedRun.run(config: config, ["--duration", "1s", "--baseline", "\(directory)/other.json"], in: directory)
        #expect(mismatched.status == 2)
        #expect(mismatched.stderr.contains("the baseline has no ingest/post; it was written for another config (it has browse/home)"))

        let badConfig = try await TimedRun.run(config: "targets: [", ["--duration", "1s"], in: directory)
        #expect(badConfig.status == 2)
    }

    @Test func databaseProbesAndHoldsReportTheirHeadlineNumbers() async throws {
        let postgres = try await PostgresServer()
        let nginx = try await Nginx()
        let directory = try temporaryDirectory()
        let config = scenario(nginx.baseURL, path: "/pulp/api/v3/status/", thresholds: #"["p95 < 500ms"]"#) + """

            databases:
              - name: direct
                dsn: "\(postgres.dsn)"
                probes:
                  # Its timeout is at most every: a second, so a busy test machine does not fail a local connect.
                  connect: { every: 1s, thresholds: ["p95 < 5s", "error_ratio < 1%"] }
                  query: { every: 500ms }
                holds:
                  - { test: listen_with_notify, hold: 1s, notify_every: 200ms, thresholds: ["missing == 0", "died == 0"] }
              - name: short
                dsn: "\(postgres.dsn) options='-c idle_session_timeout=500'"
                probes: {}
                holds:
                  - { test: idle, hold: 2s, thresholds: ["died == 0"] }
            """
        let run = try await TimedRun.run(config: config, ["--duration", "3s", "--summary-file", "\(directory)/summary.json"], in: directory)
        // The short database's idle session timeout ends its hold: the one failing check.
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("short/idle died == 0"))
        #expect(run.stdout.contains("FAIL: 1 of 6 checks failed"), "\(run.stdout)")
        #expect(run.stdout.contains("DATABASE PROBE"))
        #expect(run.stdout.contains("direct/listen_with_notify"))
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/summary.json")))
        #expect(summary.checks.filter { !$0.passed }.map(\.name) == ["short/idle died == 0"])
        #expect(summary.checks.map(\.name).contains("direct/connect p95 < 5s"))
        #expect(summary.checks.map(\.name).contains("direct/listen_with_notify missing == 0"))
        let database = try #require(summary.databases.first)
        #expect(database.database == "direct")
        for probe in database.probes {
            #expect(probe.runs >= 3 && probe.failures == 0, "\(probe)")
            #expect(probe.p95Seconds ?? 0 > 0, "\(probe)")
        }
        #expect(database.probes.map(\.probe).sorted() == ["connect", "query"])
        let hold = try #require(database.holds.first)
        #expect(hold.survived >= 2 && hold.died == 0 && hold.failedToStart == 0, "\(hold)")
        let counts = try #require(hold.notifications)
        #expect(counts.sent >= 1 && counts.received == counts.sent && counts.missing == 0, "\(counts)")
    }

    @Test func theHTMLReportRendersItsChartsInHeadlessChromium() async throws {
        let chromium = try Executables.required("chromium", package: "chromium")
        let python = try Executables.required("python3", package: "python3")
        let nginx = try await Nginx()
        let directory = try temporaryDirectory()
        let run = try await TimedRun.run(
            config: scenario(nginx.baseURL, path: "/pulp/api/v3/status/", thresholds: #"["p95 < 500ms"]"#),
            ["--duration", "3s", "--html", "\(directory)/report.html"], in: directory)
        #expect(run.status == 0)
        let html = try String(contentsOfFile: "\(directory)/report.html", encoding: .utf8)
        // Self-contained: nothing is fetched from anywhere.
        #expect(!html.contains("http://") || !html.contains("src=\"http"))
        #expect(!html.contains("<script") && !html.contains("<link"))

        let screenshot = "\(directory)/report.png"
        let rendered = try await BlockingThread.run(name: "chromium") {
            Result {
                try Command.run(chromium, [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(directory)/profile",
                    "--window-size=1200,1000", "--screenshot=\(screenshot)", "file://\(directory)/report.html",
                ])
            }
        }.get()
        #expect(rendered.status == 0, "chromium: \(rendered.stderr)")
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/png_stats.py").path
        let stats = try Command.run(python, [fixture, screenshot, "1f77b4"])
        let facts = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(facts["width"] as? Int == 1200)
        #expect(facts["height"] as? Int == 1000)
        // Text, tables and two charts: far from blank, and the first series' blue lines are drawn.
        #expect((facts["non_white"] as? Int ?? 0) > 20_000, "\(facts)")
        #expect(((facts["near"] as? [String: Int])?["1f77b4"] ?? 0) > 300, "\(facts)")
    }

    func validXML(_ path: String) throws -> String {
        let python = try Executables.required("python3", package: "python3")
        let parsed = try Command.run(python, ["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])", path])
        #expect(parsed.status == 0, "invalid XML: \(parsed.stderr)")
        return try String(contentsOfFile: path, encoding: .utf8)
    }
}

@Suite("Gate checks on recorded figures (no network)")
struct GateCheckLogicTests {
    static func figure(p95: Double, p99: Double, errors: Int = 0, requests: Int = 100) -> RequestFigures {
        RequestFigures(
            scenario: "s", request: "r", method: "GET", requests: requests, errors: errors, ratePerSecond: Double(requests) / 10,
            errorRatio: Double(errors) / Double(requests), latency: .init(p50: p95 / 2, p95: p95, p99: p99, max: p99), phaseP95: [:],
            errorsByReason: [:], timeline: [])
    }

    @Test func baselineFailsOnlyPastItsTolerances() {
        var baseline = RunSummary(
            soakVersion: "0", revision: "x", configFile: "c", configHash: "h", startedAt: "", endedAt: "", durationSeconds: 10, completed: true,
            requests: [Self.figure(p95: 0.100, p99: 0.200, errors: 1)], checks: [], passed: true)
        let tolerance = GateChecks.Tolerance()
        let within = GateChecks.baseline(baseline, figures: [Self.figure(p95: 0.119, p99: 0.240, errors: 5)], tolerance: tolerance)
        #expect(within.allSatisfy { $0.passed }, "\(within.map { $0.detail })")
        let worse = GateChecks.baseline(baseline, figures: [Self.figure(p95: 0.121, p99: 0.200, errors: 7)], tolerance: tolerance)
        #expect(worse.map(\.passed) == [false, true, false])
        #expect(worse[0].detail == "s/r p95 100ms → 121ms (+21.0%); at most +20.0% allowed")
        #expect(worse[2].detail == "s/r error ratio 1.00% → 7.00% (+6.00 points); at most +5.00 points allowed")
        baseline.requests = []
        #expect(GateChecks.baseline(baseline, figures: [Self.figure(p95: 1, p99: 1)], tolerance: tolerance).isEmpty)
    }

    @Test func configHashIsFNV1a64() {
        #expect(RunSummary.fnv1a([]) == "fnv1a64:cbf29ce484222325")
        #expect(RunSummary.fnv1a(Array("a".utf8)) == "fnv1a64:af63dc4c8601ec8c")
    }

}
