internal import Foundation
internal import Logging
internal import Prometheus
internal import SoakConfig

/// The JSON value probe: each round one request, and named numbers read from its JSON answer into
/// `soak_json_value`. A value the answer lacks becomes NaN (never a stale number) and fails the round;
/// a probe that stops (removed or changed by a reload) removes its series.
struct JSONValueProbe: HTTPProbe {
    let config: JSONValueProbeConfig
    let context: HTTPProbeContext
    private let request: PreparedRequest
    private let gauges: [(path: JSONPath, gauge: Gauge)]
    private let success: Gauge
    private let errors: [String: Counter]
    private let status: HTTPProbeStatus

    init(config: JSONValueProbeConfig, context: HTTPProbeContext) {
        self.config = config
        self.context = context
        request = PreparedRequest(config.request, target: config.target, connections: nil)
        gauges = config.values.map { ($0.path, context.metrics.jsonValue(probe: config.name, name: $0.name)) }
        success = context.metrics.jsonSuccess(probe: config.name)
        errors = Dictionary(
            uniqueKeysWithValues: (ProbeMetrics.requestFailureReasons + ["missing"]).map { ($0, context.metrics.jsonErrors(probe: config.name, reason: $0)) })
        status = context.board.httpProbe(section: "json_values", name: config.name)
    }

    func run() async {
        await runOnSchedule(every: config.every) {
            await self.round()
        }
        // Stopped (removed, changed or shutting down): no series may outlive the probe at a stale value.
        for entry in gauges { context.metrics.registry.unregisterGauge(entry.gauge) }
        context.metrics.registry.unregisterGauge(success)
        for counter in errors.values { context.metrics.registry.unregisterCounter(counter) }
    }

    /// One request and its values; what went wrong, if anything.
    @discardableResult
    func round() async -> FailureReport? {
        let exchange = await ProbeExchange.send(request.render(), expecting: config.request.expectStatus, on: context.client)
        guard !Task.isCancelled else { return nil }
        var failure: FailureReport?
        let document = exchange.json
        if let reason = exchange.failure {
            failure = exchange.report(reason)
        } else if document == nil {
            failure = exchange.report("parse", detail: "the answer is not JSON")
        }
        var missing: [String] = []
        var values: [String: Double?] = [:]
        for (index, entry) in gauges.enumerated() {
            let name = config.values[index].name
            guard failure == nil, let document, let number = entry.path.number(in: document) else {
                entry.gauge.set(to: .nan)
                values[name] = .some(nil)
                if failure == nil { missing.append("\(name) (\(entry.path))") }
                continue
            }
            entry.gauge.set(to: number)
            values[name] = number
        }
        if failure == nil, !missing.isEmpty { failure = exchange.report("missing", detail: "no number at \(missing.joined(separator: ", "))") }
        success.set(to: failure == nil ? 1 : 0)
        status.values(values, error: failure.map { "\($0.reason): \($0.message)" })
        guard let failure else {
            status.failures.succeeded()
            return nil
        }
        (errors[failure.reason] ?? context.metrics.jsonErrors(probe: config.name, reason: failure.reason)).increment()
        status.failures.failed(failure)
        return failure
    }
}
