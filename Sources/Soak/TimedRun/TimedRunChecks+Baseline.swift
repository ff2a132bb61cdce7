internal import Foundation
internal import SoakConfig

/// How much the error ratio may rise over the baseline: relatively (`+20%`: to 1.2 times the
/// baseline's) or in points (`+5pt`: by 5 percentage points).
public enum ErrorRatioTolerance: Sendable, Equatable, CustomStringConvertible {
    case relative(Double)
    case points(Double)

    /// `+20%`, `20%`, `+5pt`, `5pt`; nil for anything else (a bare number could mean either).
    public init?(parsing text: String) {
        let text = text.hasPrefix("+") ? String(text.dropFirst()) : text
        if text.hasSuffix("pt"), let points = Double(text.dropLast(2)), points.isFinite, points >= 0, points <= 100 {
            self = .points(points / 100)
        } else if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent.isFinite, percent >= 0 {
            self = .relative(percent / 100)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .relative(let share): "+\(Figure.count(share * 100))%"
        case .points(let points): "+\(Figure.count(points * 100))pt"
        }
    }
}

/// How much worse than the baseline a run may be, and how much data a comparison needs.
struct BaselineTolerance: Sendable {
    /// Relative rise of p95 and p99 allowed, 0.2 for 20%.
    var latency = 0.2
    /// A latency rise must also exceed this many seconds to fail: jitter below it is noise.
    var latencyFloor = 0.001
    /// Samples (requests, or probe runs that succeeded) both runs need before a latency or rate is compared.
    var minSamples = 100
    var errorRatio = ErrorRatioTolerance.points(0.05)
    /// Relative fall of a scenario's achieved rate allowed, 0.2 for 20%.
    var rate = 0.2

    /// The tolerances as the command line writes them, for the summary.
    var described: [String: String] {
        [
            "latency": "\(Figure.count(latency * 100))%", "latency_floor": Figure.duration(seconds: latencyFloor),
            "min_samples": String(minSamples), "error_ratio": errorRatio.description, "rate": "\(Figure.count(rate * 100))%",
        ]
    }
}

extension TimedRunChecks {
    /// Compares a run with an earlier one: each request's p95 and p99 (with enough samples on both sides
    /// and a rise past the floor) and error ratio, each scenario's achieved rate, each database probe's
    /// p95. What could not be compared is returned as sentences, not as checks.
    static func baseline(
        _ baseline: RunSummary, figures: [RequestFigures], scenarios: [RequestFigures], databases: [DatabaseFigures], tolerance: BaselineTolerance
    ) -> (checks: [RunSummary.Check], notCompared: [String]) {
        var checks: [RunSummary.Check] = []
        var notCompared: [String] = []
        let earlier = Dictionary(baseline.requests.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        func latency(_ subject: String, _ name: String, now: Double, then: Double, samples: (now: Int, then: Int)) {
            guard samples.now >= tolerance.minSamples, samples.then >= tolerance.minSamples else {
                notCompared.append(
                    "\(subject) \(name): \(samples.now) samples now and \(samples.then) in the baseline; at least \(tolerance.minSamples) are needed on both sides (--baseline.min-samples)")
                return
            }
            let change = then > 0 ? (now - then) / then : 0
            let rise = now - then
            let passed = change <= tolerance.latency || rise <= tolerance.latencyFloor
            let within = change > tolerance.latency && passed ? "; within the \(Figure.seconds(tolerance.latencyFloor)) floor" : ""
            checks.append(.init(
                kind: "baseline", name: "\(subject) \(name) vs baseline", subject: subject, passed: passed, measured: change, limit: tolerance.latency,
                unit: "ratio",
                detail: "\(subject) \(name) \(Figure.seconds(then)) → \(Figure.seconds(now)) (\(Figure.change(change)), \(rise >= 0 ? "+" : "-")\(Figure.seconds(abs(rise)))); fails past \(Figure.change(tolerance.latency)) and +\(Figure.seconds(tolerance.latencyFloor))\(within)"))
        }
        for figure in figures {
            guard let before = earlier[figure.key] else {
                notCompared.append("\(figure.key): not in the baseline")
                continue
            }
            let samples = (figure.requests, before.requests)
            latency(figure.key, "p95", now: figure.latency.p95, then: before.latency.p95, samples: samples)
            latency(figure.key, "p99", now: figure.latency.p99, then: before.latency.p99, samples: samples)
            guard figure.requests > 0, before.requests > 0 else {
                notCompared.append("\(figure.key) error ratio: \(figure.requests) requests now and \(before.requests) in the baseline")
                continue
            }
            let rise = figure.errorRatio - before.errorRatio
            let allowed: Double
            let stated: String
            switch tolerance.errorRatio {
            case .points(let points):
                allowed = points
                stated = "at most \(tolerance.errorRatio) allowed"
            case .relative(let share):
                allowed = before.errorRatio * share
                stated = "at most \(tolerance.errorRatio) of the baseline's allowed, \(String(format: "+%.2f", allowed * 100)) points"
            }
            checks.append(.init(
                kind: "baseline", name: "\(figure.key) error_ratio vs baseline", subject: figure.key, passed: rise <= allowed, measured: rise,
                limit: allowed, unit: "ratio",
                detail: "\(figure.key) error ratio \(Figure.ratio(before.errorRatio)) → \(Figure.ratio(figure.errorRatio)) (\(rise >= 0 ? "+" : "")\(String(format: "%.2f", rise * 100)) points); \(stated)"))
        }
        for scenario in scenarios {
            guard let before = baseline.scenarios.first(where: { $0.scenario == scenario.scenario }) else { continue }
            guard scenario.requests >= tolerance.minSamples, before.requests >= tolerance.minSamples else {
                notCompared.append(
                    "\(scenario.scenario) rate: \(scenario.requests) requests now and \(before.requests) in the baseline; at least \(tolerance.minSamples) are needed on both sides (--baseline.min-samples)")
                continue
            }
            let change = before.ratePerSecond > 0 ? (scenario.ratePerSecond - before.ratePerSecond) / before.ratePerSecond : 0
            checks.append(.init(
                kind: "baseline", name: "\(scenario.scenario) rate vs baseline", subject: scenario.scenario, passed: -change <= tolerance.rate,
                measured: change, limit: -tolerance.rate, unit: "ratio",
                detail: "\(scenario.scenario) rate \(Figure.rate(before.ratePerSecond)) → \(Figure.rate(scenario.ratePerSecond)) (\(Figure.change(change))); at most \(Figure.change(-tolerance.rate)) allowed"))
        }
        for database in databases {
            for probe in database.probes {
                let subject = "\(database.database)/\(probe.probe)"
                guard let now = probe.p95Seconds else { continue }
                guard let before = baseline.databases.first(where: { $0.database == database.database })?.probes.first(where: { $0.probe == probe.probe }),
                    let then = before.p95Seconds
                else {
                    notCompared.append("\(subject) p95: not in the baseline")
                    continue
                }
                latency(subject, "p95", now: now, then: then, samples: (probe.runs - probe.failures, before.runs - before.failures))
            }
        }
        return (checks, notCompared)
    }
}
