import Foundation
@testable import Soak
import SoakPostgres
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
struct TimedRunTests {
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
        #expect(summary.schema == "soak-summary/2")
        #expect(summary.completed && summary.passed)
        #expect(summary.checks.allSatisfy { $0.verdict == .pass && $0.measured != nil })
        #expect(summary.failures.isEmpty && summary.baseline == nil)
        #expect(summary.durationSeconds >= 3 && summary.durationSeconds < 5)
        let figure = try #require(summary.requests.first)
        #expect(figure.requests >= 65 && figure.requests <= 80, "requests \(figure.requests)")
        #expect(figure.errors == 0, "errors by reason: \(figure.errorsByReason)")
        #expect(figure.latency.p50 > 0 && figure.latency.p50 <= figure.latency.p95 && figure.latency.p95 <= figure.latency.p99)
        #expect(figure.latency.p99 <= figure.latency.max)
        #expect(figure.latency.min ?? 0 > 0 && figure.latency.min ?? 0 <= figure.latency.p50)
        #expect(figure.latency.mean ?? 0 > 0 && figure.responseBytes ?? 0 > figure.requests * 100)
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

    @Test func anErrorBurstFailsItsThresholdAndItsFailuresAreTabled() async throws {
        let server = try await FaultServer()
        let directory = try temporaryDirectory()
        let run = try await TimedRun.run(
            config: """
                targets:
                  api: { url: "\(server.baseURL)" }
                  closed: { url: "http://127.0.0.1:1" }
                scenarios:
                  - name: ingest
                    target: api
                    rate: 25/s
                    thresholds: ["p95 < 500ms", "error_ratio < 1%"]
                    requests: [{ name: post, path: /status/500 }]
                  - name: down
                    target: closed
                    rate: 10/s
                    thresholds: ["error_ratio < 1%"]
                    requests: [{ name: refused, path: / }]
                """,
            ["--duration", "2s", "--junit", "\(directory)/junit.xml", "--summary-file", "\(directory)/summary.json", "--html", "\(directory)/report.html"],
            in: directory)
        #expect(run.status == 1, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").contains { $0.hasPrefix("ingest/post error_ratio < 1.0% ") && $0.contains(" FAIL ") })
        #expect(run.stdout.contains("FAIL: 2 of 3 checks failed"))
        let junit = try validXML("\(directory)/junit.xml")
        #expect(junit.contains(#"tests="3" failures="2""#))
        #expect(junit.contains(#"<failure message="ingest/post failed"#))

        // The failures table: each request's failures by reason, code and message, counted exactly.
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/summary.json")))
        let post = try #require(summary.requests.first { $0.key == "ingest/post" })
        let refused = try #require(summary.requests.first { $0.key == "down/refused" })
        #expect(summary.failures.map { "\($0.key) \($0.reason) \($0.code)" }.sorted() == ["down/refused connect 0", "ingest/post status 500"])
        let status = try #require(summary.failures.first { $0.reason == "status" })
        #expect(status.count == post.errors && post.errors == post.requests && status.message == "HTTP 500, expected 2xx")
        let connect = try #require(summary.failures.first { $0.reason == "connect" })
        #expect(connect.count == refused.errors && connect.message?.contains("127.0.0.1 port 1") == true, "\(connect)")
        #expect(summary.failures.reduce(0) { $0 + $1.count } == post.errors + refused.errors)
        #expect(run.stdout.contains("FAILED REQUEST"))
        #expect(run.stdout.contains(#"ingest/post     status   500   HTTP 500, expected 2xx"#), "\(run.stdout)")
        let html = try String(contentsOfFile: "\(directory)/report.html", encoding: .utf8)
        // The failed checks lead the page; the failures table, an error-ratio chart and its threshold follow.
        let failedChecks = try #require(html.range(of: "<h2>Failed checks</h2>"))
        let requestTable = try #require(html.range(of: "<th>request</th>"))
        #expect(failedChecks.lowerBound < requestTable.lowerBound)
        #expect(html.contains("<td>HTTP 500, expected 2xx</td>"))
        #expect(html.contains(#"aria-label="error ratio""#) && html.contains("error_ratio &lt; 1.00%"))
    }

    /// Robust on a busy machine: 150 requests a side (over the 100-sample minimum), a 50-fold
    /// regression (20 ms to 1 s: no scheduling delay makes a 20 ms answer take 830 ms at p99, nor a
    /// 1 s one faster), and the run against its own baseline judged with a 1 s noise floor (a stalled
    /// machine can add hundreds of milliseconds to a p99, not a second).
    @Test func aLatencyRegressionFailsTheBaselineAndTheDeltasArePrinted() async throws {
        let server = try await FaultServer()
        let directory = try temporaryDirectory()
        func config(_ milliseconds: Int) -> String {
            """
            targets:
              api: { url: "\(server.baseURL)" }
            scenarios:
              - name: ingest
                target: api
                rate: 50/s
                thresholds: ["p95 < 5s"]
                requests:
                  - { name: post, path: "/slow?ms=\(milliseconds)" }
            """
        }
        let before = try await TimedRun.run(config: config(20), ["--duration", "3s", "--summary-file", "\(directory)/base.json"], in: directory)
        #expect(before.status == 0, "\(before.stdout)\(before.stderr)")
        let after = try await TimedRun.run(
            config: config(1000), ["--duration", "3s", "--baseline", "\(directory)/base.json", "--junit", "\(directory)/junit.xml", "--summary-file", "\(directory)/after.json"],
            in: directory)
        #expect(after.status == 1, "\(after.stdout)\(after.stderr)")
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/after.json")))
        let baseline = summary.checks.filter { $0.kind == "baseline" }
        #expect(baseline.map(\.name) == [
            "ingest/post p95 vs baseline", "ingest/post p99 vs baseline", "ingest/post error_ratio vs baseline", "ingest rate vs baseline",
        ])
        #expect(baseline.map(\.verdict) == [.fail, .fail, .pass, .pass], "\(baseline.map(\.detail))")
        #expect(after.stdout.contains("fails past +20.0% and +1.00ms"))
        #expect(after.stdout.contains("at most +5pt allowed"))
        // The config differs (another path), so the run warns and says what it compared with.
        #expect(summary.baseline?.sameConfig == false && summary.baseline?.notCompared == [])
        #expect(after.stdout.contains("warning: the baseline ran another config"))
        #expect(after.stderr.contains("the baseline was written for another config"))
        _ = try validXML("\(directory)/junit.xml")

        // Against itself the run passes: jitter under the floor is noise.
        let again = try await TimedRun.run(
            config: config(20), ["--duration", "3s", "--baseline", "\(directory)/base.json", "--baseline.latency-floor", "1s"], in: directory)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(!again.stdout.contains("warning: the baseline ran another config"))
    }

    @Test func aMalformedOrMismatchedBaselineIsAClearErrorWithExitTwo() async throws {
        let directory = try temporaryDirectory()
        let config = scenario("http://127.0.0.1:1", path: "/", thresholds: #"["error_ratio < 100%"]"#)
        try "not json".write(toFile: "\(directory)/garbage.json", atomically: true, encoding: .utf8)
        try #"{"schema": "soak-summary/0"}"#.write(toFile: "\(directory)/old.json", atomically: true, encoding: .utf8)
        try #"{"schema": "soak-summary/1", "requests": []}"#.write(toFile: "\(directory)/partial.json", atomically: true, encoding: .utf8)
        let cases = [
            ("garbage.json", "not a soak summary (not a JSON object); give the --summary-file of an earlier run"),
            ("old.json", #"schema "soak-summary/0", this soak reads "soak-summary/1" and "soak-summary/2"; write a new baseline with --summary-file"#),
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
        #expect(mismatched.stderr.contains("the baseline has none of ingest/post; it was written for another config (it has browse/home)"))

        let badConfig = try await TimedRun.run(config: "targets: [", ["--duration", "1s"], in: directory)
        #expect(badConfig.status == 2)
    }

    @Test func nothingMeasuredIsNeverAPassAndReportsAreCheckedBeforeAnythingIsSent() async throws {
        let server = try await FaultServer(logRequests: true)
        let directory = try temporaryDirectory()
        let config = """
            targets:
              api: { url: "\(server.baseURL)" }
            scenarios:
              - name: s
                target: api
                rate: 20/s
                requests:
                  - { name: sent, path: /, thresholds: ["p95 < 1s"] }
                  - { name: unsent, path: /, weight: 0 }
            ingestion:
              - { name: slow, target: api, request: { path: "/slow?ms=20000", timeout: 30s }, thresholds: ["tasks_per_second > 1"] }
            tasks:
              - { name: rds, target: api, dispatch: { path: /status/500 }, thresholds: ["failed_ratio < 5%"] }
            """
        // A report that cannot be written ends the run before any traffic.
        let unwritable = try await TimedRun.run(config: config, ["--duration", "2s", "--csv", "/nonexistent-soak-dir/out"], in: directory)
        #expect(unwritable.status == 2)
        #expect(unwritable.stderr.contains("--csv /nonexistent-soak-dir/out_stats.csv: the directory /nonexistent-soak-dir does not exist; create it first"))
        #expect(server.loggedRequests().isEmpty, "\(server.loggedRequests().count) requests were sent")

        let run = try await TimedRun.run(config: config, ["--duration", "2s", "--summary-file", "\(directory)/summary.json"], in: directory)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        for sentence in [
            "s/unsent has no p95: its weight is 0, so it is never sent; remove it or give it thresholds: []",
            "s/unsent has no error ratio: its weight is 0, so it is never sent",
            "ingestion/slow finished no round during the run: a round's calls may take up to 30s and the run lasted ",
            "tasks/rds finished no task during the run: it dispatches every 5m and follows each task for up to 10m; the run lasted ",
            "FAIL: 5 of 6 checks failed (5 with no data)",
        ] {
            #expect(run.stdout.contains(sentence), "\(sentence)\n\(run.stdout)")
        }
        #expect(run.stderr.contains("task probe rds follows tasks for up to 10m, longer than the run (2s): a slow task will not finish within the run"))
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/summary.json")))
        #expect(summary.checks.map(\.verdict) == [.pass, .noData, .noData, .noData, .noData, .noData])
        #expect(summary.checks.dropFirst().allSatisfy { $0.measured == nil })
        // In the file, "measured" is there, as null.
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/summary.json"))) as? [String: Any]
        let rawChecks = try #require(raw?["checks"] as? [[String: Any]])
        #expect(rawChecks[1]["measured"] is NSNull && rawChecks[1]["verdict"] as? String == "no_data")

        // A config without any check exits 2, unless asked to run anyway.
        let empty = try await TimedRun.run(config: "targets: {}\n", ["--duration", "1s"], in: directory)
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("the config has no thresholds, so a timed run would pass whatever happened; add thresholds (docs/ci.md) or pass --allow-no-checks"))
        let allowed = try await TimedRun.run(config: "targets: {}\n", ["--duration", "1s", "--allow-no-checks"], in: directory)
        #expect(allowed.status == 0 && allowed.stdout.contains("PASS: 0 checks passed"), "\(allowed.stdout)\(allowed.stderr)")
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
                  - { test: heartbeat, hold: 15s, interval: 5s, thresholds: ["died == 0"] }
              - name: short
                dsn: "\(postgres.dsn) options='-c idle_session_timeout=500'"
                probes: {}
                holds:
                  - { test: idle, hold: 2s, thresholds: ["died == 0"] }
            """
        let run = try await TimedRun.run(config: config, ["--duration", "3s", "--summary-file", "\(directory)/summary.json"], in: directory)
        // The short database's idle session timeout ends its hold: the one failing check; the direct
        // database's 15 s heartbeat hold cannot finish in a 3 s run: no data, warned about at the start.
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("short/idle died == 0"))
        #expect(run.stdout.contains("FAIL: 2 of 7 checks failed (1 with no data)"), "\(run.stdout)")
        #expect(run.stdout.contains("direct/heartbeat finished no hold during the run, so died cannot be judged: the hold is 15s and the run lasted "))
        #expect(run.stderr.contains("hold direct/heartbeat lasts 15s, longer than the run (3s): it cannot finish, so its thresholds will have no data"))
        #expect(run.stdout.contains("DATABASE PROBE"))
        #expect(run.stdout.contains("direct/listen_with_notify"))
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/summary.json")))
        #expect(summary.checks.filter { !$0.passed }.map(\.name) == ["direct/heartbeat died == 0", "short/idle died == 0"])
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
        let stats = try Command.run(python, [fixture, screenshot, "1f77b4", "b00020"])
        let facts = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(facts["width"] as? Int == 1200)
        #expect(facts["height"] as? Int == 1000)
        // Text, tables and two charts: far from blank, and the first series' blue lines are drawn.
        #expect((facts["non_white"] as? Int ?? 0) > 20_000, "\(facts)")
        #expect(((facts["near"] as? [String: Int])?["1f77b4"] ?? 0) > 300, "\(facts)")
        // The error-ratio chart's dashed threshold line (error_ratio < 1%).
        #expect(((facts["near"] as? [String: Int])?["b00020"] ?? 0) > 50, "\(facts)")
    }

    func validXML(_ path: String) throws -> String {
        let python = try Executables.required("python3", package: "python3")
        let parsed = try Command.run(python, ["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])", path])
        #expect(parsed.status == 0, "invalid XML: \(parsed.stderr)")
        return try String(contentsOfFile: path, encoding: .utf8)
    }
}
