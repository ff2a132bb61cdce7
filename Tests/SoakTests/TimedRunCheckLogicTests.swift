import Foundation
@testable import Soak
import SoakConfig
import Testing

@Suite("Timed-run checks on recorded figures (no network)")
struct TimedRunCheckLogicTests {
    static func figure(p95: Double, p99: Double, errors: Int = 0, requests: Int = 100, request: String = "r") -> RequestFigures {
        RequestFigures(
            scenario: "s", request: request, method: "GET", requests: requests, errors: errors, ratePerSecond: Double(requests) / 10,
            errorRatio: Double(errors) / Double(requests), latency: .init(p50: p95 / 2, p95: p95, p99: p99, max: p99), phaseP95: [:],
            errorsByReason: [:], timeline: [])
    }

    static func summary(_ requests: [RequestFigures], scenarios: [RequestFigures] = []) -> RunSummary {
        var summary = RunSummary(
            soakVersion: "0", revision: "x", configFile: "c", configHash: "h", startedAt: "", endedAt: "", durationSeconds: 10, completed: true,
            requests: requests, checks: [], passed: true)
        summary.scenarios = scenarios
        return summary
    }

    static func compare(_ baseline: RunSummary, _ figures: [RequestFigures], scenarios: [RequestFigures] = [], tolerance: BaselineTolerance = .init())
        -> (checks: [RunSummary.Check], notCompared: [String])
    {
        TimedRunChecks.baseline(baseline, figures: figures, scenarios: scenarios, databases: [], tolerance: tolerance)
    }

    @Test func theNoiseFloorAndTheSampleMinimumAbsorbJitterWhileATenfoldRegressionFails() {
        // 50 samples a side: a p99 that jumped thirtyfold is small-sample noise, so it is not compared, and says so.
        let few = Self.compare(Self.summary([Self.figure(p95: 0.007, p99: 0.007, requests: 50)]), [Self.figure(p95: 0.021, p99: 0.237, requests: 50)])
        #expect(few.checks.map(\.name) == ["s/r error_ratio vs baseline"])
        #expect(few.notCompared == [
            "s/r p95: 50 samples now and 50 in the baseline; at least 100 are needed on both sides (--baseline.min-samples)",
            "s/r p99: 50 samples now and 50 in the baseline; at least 100 are needed on both sides (--baseline.min-samples)",
        ])

        // Enough samples, +50% but under a millisecond: jitter, within the floor.
        let jitter = Self.compare(Self.summary([Self.figure(p95: 0.0012, p99: 0.0014, requests: 500)]), [Self.figure(p95: 0.0018, p99: 0.0021, requests: 500)])
        #expect(jitter.checks.allSatisfy { $0.passed }, "\(jitter.checks.map(\.detail))")
        #expect(jitter.checks[0].detail == "s/r p95 1.20ms → 1.80ms (+50.0%, +600us); fails past +20.0% and +1.00ms; within the 1.00ms floor")

        // Ten times slower: both the relative and the absolute rise are past their bounds.
        let slower = Self.compare(Self.summary([Self.figure(p95: 0.020, p99: 0.030, requests: 500)]), [Self.figure(p95: 0.200, p99: 0.300, requests: 500)])
        #expect(slower.checks.map(\.verdict) == [.fail, .fail, .pass])
        #expect(slower.checks[0].detail == "s/r p95 20ms → 200ms (+900.0%, +180ms); fails past +20.0% and +1.00ms")

        // A floor of its own.
        let floored = Self.compare(
            Self.summary([Self.figure(p95: 0.020, p99: 0.030, requests: 500)]), [Self.figure(p95: 0.200, p99: 0.300, requests: 500)],
            tolerance: .init(latencyFloor: 0.5))
        #expect(floored.checks.allSatisfy { $0.passed })
    }

    @Test func theErrorToleranceIsRelativeOrInPointsAndSaysWhich() {
        let baseline = Self.summary([Self.figure(p95: 0.1, p99: 0.2, errors: 10, requests: 100)])
        let points = Self.compare(baseline, [Self.figure(p95: 0.1, p99: 0.2, errors: 16, requests: 100)])
        #expect(points.checks.last?.verdict == .fail)
        #expect(points.checks.last?.detail == "s/r error ratio 10.00% → 16.00% (+6.00 points); at most +5pt allowed")
        let relative = BaselineTolerance(errorRatio: .relative(0.2))
        #expect(Self.compare(baseline, [Self.figure(p95: 0.1, p99: 0.2, errors: 11, requests: 100)], tolerance: relative).checks.last?.passed == true)
        let worse = Self.compare(baseline, [Self.figure(p95: 0.1, p99: 0.2, errors: 13, requests: 100)], tolerance: relative)
        #expect(worse.checks.last?.verdict == .fail)
        #expect(worse.checks.last?.detail == "s/r error ratio 10.00% → 13.00% (+3.00 points); at most +20% of the baseline's allowed, +2.00 points")

        #expect(ErrorRatioTolerance(parsing: "+5pt") == .points(0.05))
        #expect(ErrorRatioTolerance(parsing: "5pt") == .points(0.05))
        #expect(ErrorRatioTolerance(parsing: "+20%") == .relative(0.2))
        #expect(ErrorRatioTolerance(parsing: "20%") == .relative(0.2))
        for bad in ["0.05", "5", "+5", "pt", "-5pt", "five%", "101pt"] { #expect(ErrorRatioTolerance(parsing: bad) == nil, "\(bad)") }
        #expect(ErrorRatioTolerance.points(0.05).description == "+5pt")
        #expect(ErrorRatioTolerance.relative(0.2).description == "+20%")
    }

    @Test func throughputIsComparedAndWhatIsMissingIsNamed() {
        let baseline = Self.summary([Self.figure(p95: 0.1, p99: 0.2, requests: 250)], scenarios: [Self.figure(p95: 0.1, p99: 0.2, requests: 250, request: "*")])
        let slower = Self.figure(p95: 0.1, p99: 0.2, requests: 180, request: "*")
        let compared = Self.compare(
            baseline, [Self.figure(p95: 0.1, p99: 0.2, requests: 180), Self.figure(p95: 0.1, p99: 0.2, request: "new")], scenarios: [slower])
        let rate = compared.checks.first { $0.name == "s rate vs baseline" }
        #expect(rate?.verdict == .fail)
        #expect(rate?.detail == "s rate 25.00/s → 18.00/s (-28.0%); at most -20.0% allowed")
        #expect(compared.notCompared == ["s/new: not in the baseline"])
    }

    @Test func checksWithNothingMeasuredHaveNoDataAndSaySo() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                targets: { api: { url: "http://127.0.0.1:1" } }
                scenarios:
                  - name: s
                    target: api
                    rate: 1/s
                    requests:
                      - { name: sent, path: /a, thresholds: ["p95 < 1s", "error_ratio < 1%"] }
                      - { name: unsent, path: /b, weight: 0, thresholds: ["p99 < 1s"] }
                  - name: users
                    target: api
                    user_count: 2
                    ramp_up: 1m
                    users: [{ name: u, weight: 1, wait: 1s }]
                    requests: [{ name: r, path: /c, thresholds: ["p95 < 1s"] }]
                databases:
                  - name: db
                    dsn: "host=127.0.0.1 port=1"
                    probes: { connect: { thresholds: ["p95 < 1s", "error_ratio < 1%"] } }
                    holds: [{ test: idle, hold: 15s, thresholds: ["died == 0"] }]
                ingestion:
                  - { name: ingest, target: api, thresholds: ["tasks_per_second > 100"] }
                tasks:
                  - name: rds
                    target: api
                    dispatch: { path: /rds }
                    result_values: { connection_alive: result.connection_alive }
                    thresholds: ["failed_ratio < 5%", "p95(total) < 10m", "connection_alive == true"]
                """, file: "c.yaml", baseDirectory: "/", environment: [:])
        let gate = TimedRunChecks(config: config, durationSeconds: 5)
        let requests = gate.requests([Self.figure(p95: 0.1, p99: 0.1, requests: 0, request: "sent")]) { _, _ in nil }
        let databases = gate.databases([]) { _, _, _ in nil }
        let probes = gate.probes(tasks: [], ingestion: []) { _, _, _ in nil }
        let checks = requests + databases + probes
        #expect(checks.allSatisfy { $0.verdict == .noData && !$0.passed && $0.measured == nil })
        #expect(checks.map(\.detail) == [
            "s/sent has no p95: no request finished during the run (the run lasted 5s)",
            "s/sent has no error ratio: no request finished during the run (the run lasted 5s)",
            "s/unsent has no p99: its weight is 0, so it is never sent; remove it or give it thresholds: []",
            "users/r has no p95: no request finished; the users ramp up over 1m and the run lasted 5s",
            "db/connect has no latency: it never ran (the run lasted 5s)",
            "db/connect has no error ratio: it never ran (it runs every 30s; the run lasted 5s)",
            "db/idle finished no hold during the run, so died cannot be judged: the hold is 15s and the run lasted 5s",
            "ingestion/ingest finished no round during the run: a round's calls may take up to 30s and the run lasted 5s",
            "tasks/rds finished no task during the run: it dispatches every 5m and follows each task for up to 10m; the run lasted 5s",
            "tasks/rds finished no task during the run: it dispatches every 5m and follows each task for up to 10m; the run lasted 5s",
            "tasks/rds finished no task during the run: it dispatches every 5m and follows each task for up to 10m; the run lasted 5s",
        ])
        var summary = Self.summary([])
        summary.checks = checks
        summary.passed = false
        #expect(summary.table.contains("NO DATA  s/sent has no p95"))
        #expect(summary.verdictLine == "FAIL: 11 of 11 checks failed (11 with no data)")
        #expect(summary.junit.contains(#"type="no_data""#))

        // A task whose connection died fails its result-value threshold.
        var tasks = TaskFigures(probe: "rds")
        tasks.finished = ["completed": 3]
        tasks.values = ["connection_alive": ["true": 2, "false": 1]]
        let judged = gate.probes(tasks: [tasks], ingestion: []) { _, _, _ in 120 }.filter { $0.subject == "tasks/rds" }
        #expect(judged.map(\.verdict) == [.pass, .pass, .fail])
        #expect(judged[2].detail == "tasks/rds connection_alive was true in 2 of 3 finished tasks (false 1); every one must be true")
    }

    @Test func failuresAreCountedExactlyWithTheirMessagesBounded() {
        var tally = FailureTally()
        let now = Date()
        for index in 0..<60 {
            for _ in 0...index % 3 { tally.add(.init(reason: "status", code: 500, message: "message \(index)"), at: now) }
        }
        tally.add(.init(reason: "connect", code: 0, message: "refused"), at: now)
        #expect(tally.total == (0..<60).reduce(0) { $0 + $1 % 3 + 1 } + 1)
        #expect(tally.entries.keys.filter { $0.message != nil }.count == FailureTally.distinctLimit)
        // Past the limit, the rest are counted by reason and code; the first 50 messages keep their own counts.
        let overflow = tally.entries[.init(reason: "status", code: 500, message: nil)]?.count
        #expect(overflow == (50..<60).reduce(0) { $0 + $1 % 3 + 1 } + 0)
        #expect(tally.entries[.init(reason: "connect", code: 0, message: "refused")] == nil)
        #expect(tally.entries[.init(reason: "connect", code: 0, message: nil)]?.count == 1)
    }

    @Test func chartsTickOnRoundNumbersAndRoundDurations() {
        #expect(SVGChart.ticks(upTo: 0.87) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        #expect(SVGChart.ticks(upTo: 23) == [0, 5, 10, 15, 20, 25])
        #expect(SVGChart.ticks(upTo: 0) == [0, 1])
        #expect(SVGChart.timeStep(for: 3) == 1)
        #expect(SVGChart.timeStep(for: 45) == 10)
        #expect(SVGChart.timeStep(for: 300) == 60)
        #expect(SVGChart.timeStep(for: 3600) == 600)
        #expect(SVGChart.decimals(for: 0.2) == 1 && SVGChart.decimals(for: 0.05) == 2 && SVGChart.decimals(for: 5) == 0)
    }

    @Test func configHashIsFNV1a64() {
        #expect(RunSummary.fnv1a([]) == "fnv1a64:cbf29ce484222325")
        #expect(RunSummary.fnv1a(Array("a".utf8)) == "fnv1a64:af63dc4c8601ec8c")
    }
}

@Suite("Failure messages counted as one failure")
struct FailureMessageTests {
    @Test(arguments: [
        ("Failed to connect to 127.0.0.1 port 1 after 3 ms: Couldn't connect to server", "Failed to connect to 127.0.0.1 port 1 after N ms: Couldn't connect to server"),
        ("Operation timed out after 5001 milliseconds with 0 bytes received", "Operation timed out after N milliseconds with N bytes received"),
        ("Operation timed out after 500 milliseconds with 12 out of 1000 bytes received", "Operation timed out after N milliseconds with N out of N bytes received"),
        ("transfer closed with 990 bytes remaining to read", "transfer closed with N bytes remaining to read"),
        ("HTTP 503, expected 2xx", "HTTP 503, expected 2xx"),
    ])
    func varyingNumbersAreWrittenAsN(_ message: String, _ normalized: String) {
        #expect(FailureMessage.normalized(message) == normalized)
    }
}
