internal import Foundation
internal import SoakConfig

/// Judges a timed run: each request against its thresholds (the request's own, else its scenario's,
/// as the alert rules do), scenario-wide rates, and optionally an earlier run's summary.
struct GateChecks {
    /// How much worse than the baseline a run may be.
    struct Tolerance: Sendable {
        /// Relative rise of p95 and p99 allowed, 0.2 for 20%.
        var latency: Double = 0.2
        /// Rise of the error ratio allowed, in ratio points: 0.05 for 5 points.
        var errorRatio: Double = 0.05
    }

    /// `latency(key, quantile)` gives a request's exact latency at any quantile, in seconds.
    static func thresholds(
        config: SoakConfiguration, figures: [RequestFigures], durationSeconds: Double, latency: (String, Double) -> Double
    ) -> [RunSummary.Check] {
        var checks: [RunSummary.Check] = []
        let byKey = Dictionary(figures.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for scenario in config.scenarios {
            for request in scenario.requests {
                guard let figure = byKey["\(scenario.name)/\(request.name)"] else { continue }
                let own = request.thresholds ?? scenario.thresholds.filter { if case .rate = $0 { false } else { true } }
                for threshold in own { checks.append(check(threshold, subject: figure.key, figure: figure, latency: latency)) }
            }
            // A rate on the scenario holds for the scenario as a whole.
            let all = figures.filter { $0.scenario == scenario.name }
            for case .rate(let above) in scenario.thresholds {
                let rate = Double(all.reduce(0) { $0 + $1.requests }) / max(durationSeconds, 0.001)
                checks.append(.init(
                    kind: "threshold", name: "\(scenario.name) \(ScenarioConfig.Threshold.rate(above: above))", subject: scenario.name,
                    passed: rate > above, measured: rate, limit: above, unit: "per_second",
                    detail: "\(scenario.name) ran at \(format(rate: rate)); the threshold is above \(format(rate: above))"))
            }
        }
        return checks
    }

    /// Database probes against their thresholds, and holds against the events they must not have.
    static func databases(
        config: SoakConfiguration, figures: [DatabaseFigures], latency: (String, String, Double) -> Double?
    ) -> [RunSummary.Check] {
        var checks: [RunSummary.Check] = []
        for database in config.databases {
            let figure = figures.first { $0.database == database.name }
            for probe in database.probes {
                let subject = "\(database.name)/\(probe.kind.rawValue)"
                let tally = figure?.probes.first { $0.probe == probe.kind.rawValue }
                for threshold in probe.thresholds {
                    switch threshold {
                    case .latency(let quantile, let below):
                        let limit = below / .seconds(1)
                        let measured = latency(database.name, probe.kind.rawValue, quantile)
                        checks.append(.init(
                            kind: "threshold", name: "\(subject) \(threshold)", subject: subject, passed: measured.map { $0 < limit } ?? false,
                            measured: measured ?? 0, limit: limit, unit: "seconds",
                            detail: measured.map { "\(subject) p\(RequestMetrics.percentileLabel(quantile)) was \(format(seconds: $0)); the threshold is below \(format(seconds: limit))" }
                                ?? "\(subject) never succeeded, so it has no latency"))
                    case .errorRatio(let below):
                        let runs = tally?.runs ?? 0
                        let failures = tally?.failures ?? 0
                        let ratio = runs == 0 ? 0 : Double(failures) / Double(runs)
                        checks.append(.init(
                            kind: "threshold", name: "\(subject) \(threshold)", subject: subject, passed: runs > 0 && (ratio < below || failures == 0),
                            measured: ratio, limit: below, unit: "ratio",
                            detail: "\(subject) failed \(failures) of \(runs) runs (\(format(ratio: ratio))); the threshold is below \(format(ratio: below))"))
                    case .rate:
                        break
                    }
                }
            }
            for hold in database.holds {
                let subject = "\(database.name)/\(hold.test.rawValue)"
                let tally = figure?.holds.first { $0.test == hold.test.rawValue }
                for event in hold.mustNotHappen {
                    let count: Int
                    switch event {
                    case "died": count = tally?.died ?? 0
                    case "failed_to_start": count = tally?.failedToStart ?? 0
                    case "missing": count = tally?.notifications?.missing ?? 0
                    case "duplicate": count = tally?.notifications?.duplicate ?? 0
                    default: count = tally?.notifications?.outOfOrder ?? 0
                    }
                    checks.append(.init(
                        kind: "threshold", name: "\(subject) \(event) == 0", subject: subject, passed: count == 0, measured: Double(count), limit: 0,
                        unit: "count", detail: "\(subject) had \(count) \(event.replacingOccurrences(of: "_", with: " ")); none is allowed"))
                }
            }
        }
        return checks
    }

    private static func check(
        _ threshold: ScenarioConfig.Threshold, subject: String, figure: RequestFigures, latency: (String, Double) -> Double
    ) -> RunSummary.Check {
        switch threshold {
        case .latency(let quantile, let below):
            let measured = latency(figure.key, quantile)
            let limit = below / .seconds(1)
            let name = "\(subject) \(threshold)"
            return .init(
                kind: "threshold", name: name, subject: subject, passed: measured < limit, measured: measured, limit: limit, unit: "seconds",
                detail: "\(subject) p\(RequestMetrics.percentileLabel(quantile)) was \(format(seconds: measured)); the threshold is below \(format(seconds: limit))")
        case .errorRatio(let below):
            return .init(
                kind: "threshold", name: "\(subject) \(threshold)", subject: subject, passed: figure.errorRatio < below || figure.errors == 0,
                measured: figure.errorRatio, limit: below, unit: "ratio",
                detail: "\(subject) failed \(figure.errors) of \(figure.requests) requests (\(format(ratio: figure.errorRatio))); the threshold is below \(format(ratio: below))")
        case .rate(let above):
            return .init(
                kind: "threshold", name: "\(subject) \(threshold)", subject: subject, passed: figure.ratePerSecond > above,
                measured: figure.ratePerSecond, limit: above, unit: "per_second",
                detail: "\(subject) ran at \(format(rate: figure.ratePerSecond)); the threshold is above \(format(rate: above))")
        }
    }

    static func baseline(_ baseline: RunSummary, figures: [RequestFigures], tolerance: Tolerance) -> [RunSummary.Check] {
        let earlier = Dictionary(baseline.requests.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var checks: [RunSummary.Check] = []
        for figure in figures {
            guard let before = earlier[figure.key] else { continue }
            for (name, now, then) in [("p95", figure.latency.p95, before.latency.p95), ("p99", figure.latency.p99, before.latency.p99)] {
                let change = then > 0 ? (now - then) / then : 0
                checks.append(.init(
                    kind: "baseline", name: "\(figure.key) \(name) vs baseline", subject: figure.key, passed: change <= tolerance.latency,
                    measured: change, limit: tolerance.latency, unit: "ratio",
                    detail: "\(figure.key) \(name) \(format(seconds: then)) → \(format(seconds: now)) (\(format(change: change))); at most \(format(change: tolerance.latency)) allowed"))
            }
            let rise = figure.errorRatio - before.errorRatio
            checks.append(.init(
                kind: "baseline", name: "\(figure.key) error_ratio vs baseline", subject: figure.key, passed: rise <= tolerance.errorRatio,
                measured: rise, limit: tolerance.errorRatio, unit: "ratio",
                detail: "\(figure.key) error ratio \(format(ratio: before.errorRatio)) → \(format(ratio: figure.errorRatio)) (\(rise >= 0 ? "+" : "")\(String(format: "%.2f", rise * 100)) points); at most +\(String(format: "%.2f", tolerance.errorRatio * 100)) points allowed"))
        }
        return checks
    }

    static func format(seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.2fs", seconds) }
        if seconds >= 0.01 { return String(format: "%.0fms", seconds * 1000) }
        return String(format: "%.2fms", seconds * 1000)
    }

    static func format(ratio: Double) -> String { String(format: "%.2f%%", ratio * 100) }

    static func format(rate: Double) -> String { String(format: "%.2f/s", rate) }

    static func format(change: Double) -> String { String(format: "%+.1f%%", change * 100) }
}
