import Foundation
@testable import SoakConfig
import Testing

@Suite("Thresholds as people write them: every form accepted or refused at its own place")
struct ThresholdConfigTests {
    @Test func everyFormIsReadWithMicrosecondsDecimalsAndRatios() throws {
        let config = try load("thresholds-valid.yaml")
        let browse = config.scenarios[0]
        #expect(browse.thresholds == [
            .latency(quantile: 0.95, below: .microseconds(500)), .latency(quantile: 0.99, below: .microseconds(500)),
            .latency(quantile: 99.9 / 100, below: .milliseconds(1500)), .errorRatio(below: 0.01), .rate(above: 8),
        ])
        // A request without thresholds of its own takes its scenario's, except the rate, which is the scenario's as a whole.
        #expect(browse.thresholds(of: browse.requests[0]) == Array(browse.thresholds.prefix(4)))
        #expect(browse.thresholds(of: browse.requests[1]) == [.latency(quantile: 0.5, below: .microseconds(250)), .errorRatio(below: 1), .errorRatio(below: 0.005)])
        #expect(browse.rateThresholds == [8])
        #expect(config.databases[0].probes[0].thresholds == [.latency(quantile: 0.95, below: .microseconds(2500)), .errorRatio(below: 0.01)])
        #expect(config.ingestion[0].thresholds == [.tasksPerSecond(above: 100)])
        #expect(config.ingestion[1].thresholds.isEmpty)
        let rds = config.tasks[0]
        #expect(rds.resultValues.map(\.name) == ["connection_alive", "minutes", "state"])
        #expect(rds.resultValues.map(\.path.description) == ["result.connection_alive", "result.duration_minutes", "state"])
        #expect(rds.thresholds == [
            .failedRatio(below: 0.05), .phase(quantile: 0.95, phase: .total, below: .seconds(600)),
            .phase(quantile: 0.5, phase: .queue, below: .milliseconds(1500)), .resultValue(name: "connection_alive", equals: 1, literal: "true"),
            .resultValue(name: "minutes", equals: 50, literal: "50"),
        ])
        // check-config prints the thresholds each subject is judged on, defaults filled in.
        #expect(Array(config.summary.suffix(8)) == [
            "thresholds: 17",
            "  browse/home: p95 < 500us, p99 < 500us, p99.9 < 1s500ms, error_ratio < 1.0%",
            "  browse/search: p50 < 250us, error_ratio < 100.0%, error_ratio < 0.5%",
            "  browse: rate > 8/s",
            "  db/query: p95 < 2ms500us, error_ratio < 1.0%",
            "  db/idle: died == 0",
            "  ingestion/ingest: tasks_per_second > 100",
            "  tasks/rds: failed_ratio < 5.0%, p95(total) < 10m, p50(queue) < 1s500ms, connection_alive == true, minutes == 50",
        ])
        #expect(config.checkCount == 17)
        #expect(try load("empty.yaml").summary.last == "thresholds: none (a timed run with --duration exits 2 unless --allow-no-checks)")
    }

    @Test func everyBadThresholdInAListIsReportedAtItsOwnPlace() {
        do {
            _ = try load("threshold-errors.yaml")
            Issue.record("threshold-errors.yaml loaded")
        } catch {
            #expect(error.problems.map(\.description) == [
                #"threshold-errors.yaml:7:33: scenarios[0].thresholds: "error_ratio < 1" is ambiguous: 1 as a fraction is 100% (every request may fail), as a percentage 1%; write 100% or 1%"#,
                #"threshold-errors.yaml:7:52: scenarios[0].thresholds: invalid duration "500 ms" in "p99 < 500 ms": write a number and a unit (us, ms, s, m, h, d), largest unit first, e.g. 500us, 0.5ms, 30s or 1h30m"#,
                #"threshold-errors.yaml:7:68: scenarios[0].thresholds: "error_ratio < 5": a ratio without % is a fraction below 1; write 5% for 5 percent, or a fraction such as 0.05"#,
                #"threshold-errors.yaml:7:87: scenarios[0].thresholds: invalid rate "fast" in "rate > fast": write COUNT/UNIT with a positive count and a unit of s, m or h, e.g. 5/s or 120/m"#,
                #"threshold-errors.yaml:7:102: scenarios[0].thresholds: invalid threshold "latency < 1s"; write "p95 < 500ms", "p99 < 1s", "error_ratio < 1%" or "rate > 45/s""#,
                #"threshold-errors.yaml:9:43: scenarios[0].requests[0].thresholds: invalid threshold "p95 <= 1s"; write "p95 < 500ms", "p99 < 1s", "error_ratio < 1%" or "rate > 45/s""#,
                #"threshold-errors.yaml:9:56: scenarios[0].requests[0].thresholds: invalid ratio "150%" in "error_ratio < 150%"; write a percentage from 0% to 100%, e.g. 1%"#,
                #"threshold-errors.yaml:9:78: scenarios[0].requests[0].thresholds: invalid threshold "p100 < 1s"; write "p95 < 500ms", "p99 < 1s", "error_ratio < 1%" or "rate > 45/s""#,
                #"threshold-errors.yaml:9:91: scenarios[0].requests[0].thresholds: 2h in "p95 < 2h" is longer than the limit of 1h; make it shorter"#,
                #"threshold-errors.yaml:9:103: scenarios[0].requests[0].thresholds: "p95 < 0" can never pass; the bound must be longer than 0"#,
                #"threshold-errors.yaml:14:43: databases[0].probes.connect.thresholds: "error_ratio < 1" is ambiguous: 1 as a fraction is 100% (every request may fail), as a percentage 1%; write 100% or 1%"#,
                #"threshold-errors.yaml:16:59: databases[0].holds[0].thresholds: invalid threshold "lived == 0"; write EVENT == 0 with EVENT one of died, failed_to_start"#,
                #"threshold-errors.yaml:18:73: ingestion[0].thresholds: invalid threshold "tasks_per_second < 5"; write "tasks_per_second > 100""#,
                #"threshold-errors.yaml:18:97: ingestion[0].thresholds: invalid rate "lots" in "tasks_per_second > lots"; write a positive number of tasks per second, e.g. 100"#,
                #"threshold-errors.yaml:24:18: tasks[0].thresholds: "failed_ratio < 1" is ambiguous: 1 as a fraction is 100% (every request may fail), as a percentage 1%; write 100% or 1%"#,
                #"threshold-errors.yaml:24:58: tasks[0].thresholds: invalid threshold "p95(wait) < 1s"; a phase percentile is pNN(PHASE) with PHASE one of blocked, queue, run, total, e.g. p95(total) < 10m"#,
                #"threshold-errors.yaml:24:76: tasks[0].thresholds: 8d in "p95(total) < 8d" is longer than the limit of 7d; make it shorter"#,
                #"threshold-errors.yaml:24:95: tasks[0].thresholds: "result.alive == true" names result.alive, which is not in result_values; add it, e.g. result_values: { alive: "result.alive" }"#,
                #"threshold-errors.yaml:24:119: tasks[0].thresholds: "connection_alive == yes": compare with true, false or a number"#,
                #"threshold-errors.yaml:24:146: tasks[0].thresholds: invalid threshold "state < 3"; write "failed_ratio < 5%", "p95(total) < 10m" or "connection_alive == true" (a result_values name)"#,
            ])
        }
    }
}
