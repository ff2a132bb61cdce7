internal import Foundation
internal import SoakConfig

/// Judges a timed run against its config's thresholds: each request against its own thresholds (else
/// its scenario's, as the alert rules do), scenario-wide rates, database probes and holds, task and
/// ingestion probes. A figure with nothing measured is `no data`, never a pass, with a sentence saying why.
struct TimedRunChecks {
    let config: SoakConfiguration
    /// How long the run lasted, in seconds.
    let durationSeconds: Double

    /// The thresholds of every scenario and its requests; `latency(key, quantile)` gives a request's
    /// exact latency at any quantile, in seconds, nil without samples.
    func requests(_ figures: [RequestFigures], latency: (String, Double) -> Double?) -> [RunSummary.Check] {
        var checks: [RunSummary.Check] = []
        let byKey = Dictionary(figures.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for scenario in config.scenarios {
            for request in scenario.requests {
                let key = "\(scenario.name)/\(request.name)"
                for threshold in scenario.thresholds(of: request) {
                    checks.append(check(threshold, subject: key, figure: byKey[key], latency: latency) {
                        whyNoSamples(scenario, request)
                    })
                }
            }
            // A rate on the scenario holds for the scenario as a whole.
            let all = figures.filter { $0.scenario == scenario.name }
            for above in scenario.rateThresholds {
                let rate = Double(all.reduce(0) { $0 + $1.requests }) / max(durationSeconds, 0.001)
                checks.append(.init(
                    kind: "threshold", name: "\(scenario.name) \(ScenarioConfig.Threshold.rate(above: above))", subject: scenario.name,
                    passed: rate > above, measured: rate, limit: above, unit: "per_second",
                    detail: "\(scenario.name) ran at \(Figure.rate(rate)); the threshold is above \(Figure.rate(above))"))
            }
        }
        return checks
    }

    private func check(
        _ threshold: ScenarioConfig.Threshold, subject: String, figure: RequestFigures?, latency: (String, Double) -> Double?,
        whyNoSamples: () -> String
    ) -> RunSummary.Check {
        let name = "\(subject) \(threshold)"
        switch threshold {
        case .latency(let quantile, let below):
            let limit = DurationSyntax.seconds(below)
            let label = "p\(Figure.percentile(quantile))"
            guard let measured = latency(subject, quantile) else {
                return Self.noData(name: name, subject: subject, limit: limit, unit: "seconds", "\(subject) has no \(label): \(whyNoSamples())")
            }
            return .init(
                kind: "threshold", name: name, subject: subject, passed: measured < limit, measured: measured, limit: limit, unit: "seconds",
                detail: "\(subject) \(label) was \(Figure.seconds(measured)); the threshold is below \(Figure.seconds(limit))")
        case .errorRatio(let below):
            guard let figure, figure.requests > 0 else {
                return Self.noData(name: name, subject: subject, limit: below, unit: "ratio", "\(subject) has no error ratio: \(whyNoSamples())")
            }
            return .init(
                kind: "threshold", name: name, subject: subject, passed: figure.errorRatio < below || figure.errors == 0,
                measured: figure.errorRatio, limit: below, unit: "ratio",
                detail: "\(subject) failed \(figure.errors) of \(figure.requests) requests (\(Figure.ratio(figure.errorRatio))); the threshold is below \(Figure.ratio(below))")
        case .rate(let above):
            let rate = figure?.ratePerSecond ?? 0
            return .init(
                kind: "threshold", name: name, subject: subject, passed: rate > above, measured: rate, limit: above, unit: "per_second",
                detail: "\(subject) ran at \(Figure.rate(rate)); the threshold is above \(Figure.rate(above))")
        }
    }

    /// Why a request has no samples, as precisely as the config tells.
    private func whyNoSamples(_ scenario: ScenarioConfig, _ request: RequestConfig) -> String {
        let run = "the run lasted \(Figure.duration(seconds: durationSeconds))"
        if request.weight == 0 { return "its weight is 0, so it is never sent; remove it or give it thresholds: []" }
        if case .closed(let model) = scenario.workload {
            if model.classes.allSatisfy({ !($0.requests?.contains(request.name) ?? true) }) {
                return "no user class sends it (each class's requests leave it out)"
            }
            if DurationSyntax.seconds(model.rampUp) >= durationSeconds {
                return "no request finished; the users ramp up over \(DurationSyntax.format(model.rampUp)) and \(run)"
            }
        }
        return "no request finished during the run (\(run))"
    }

    /// A check with nothing to judge: it fails the run, and `detail` says why.
    static func noData(kind: String = "threshold", name: String, subject: String, limit: Double, unit: String, _ detail: String) -> RunSummary.Check {
        .init(kind: kind, name: name, subject: subject, verdict: .noData, measured: nil, limit: limit, unit: unit, detail: detail)
    }
}
