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

    init(config: JSONValueProbeConfig, context: HTTPProbeContext) {
        self.config = config
        self.context = context
        request = PreparedRequest(config.request, target: config.target, connections: nil)
        gauges = config.values.map { ($0.path, context.metrics.jsonValue(probe: config.name, name: $0.name)) }
        success = context.metrics.jsonSuccess(probe: config.name)
        errors = Dictionary(
            uniqueKeysWithValues: (ProbeMetrics.requestFailureReasons + ["missing"]).map { ($0, context.metrics.jsonErrors(probe: config.name, reason: $0)) })
    }

    func run() async {
        var failing = false
        await runOnSchedule(every: config.every) {
            let failure = await self.round()
            guard !Task.isCancelled else { return }
            if let failure, !failing {
                context.logger.warning("JSON value probe failing", metadata: ["probe": "\(config.name)", "error": "\(failure)"])
            } else if failure == nil, failing {
                context.logger.info("JSON value probe recovered", metadata: ["probe": "\(config.name)"])
            }
            failing = failure != nil
        }
        // Stopped (removed, changed or shutting down): no series may outlive the probe at a stale value.
        for entry in gauges { context.metrics.registry.unregisterGauge(entry.gauge) }
        context.metrics.registry.unregisterGauge(success)
        for counter in errors.values { context.metrics.registry.unregisterCounter(counter) }
    }

    /// One request and its values; what went wrong, if anything.
    @discardableResult
    func round() async -> String? {
        let exchange = await ProbeExchange.send(request.render(), expecting: config.request.expectStatus, on: context.client)
        guard !Task.isCancelled else { return nil }
        var failure: (reason: String, detail: String)?
        let document = exchange.json
        if let reason = exchange.failure {
            failure = (reason, exchange.outcome.failure?.message ?? "HTTP \(exchange.outcome.status): \(TaskProbe.excerpt(exchange.outcome.body))")
        } else if document == nil {
            failure = ("parse", "the answer is not JSON: \(TaskProbe.excerpt(exchange.outcome.body))")
        }
        var missing: [String] = []
        for (index, entry) in gauges.enumerated() {
            guard failure == nil, let document, let number = entry.path.number(in: document) else {
                entry.gauge.set(to: .nan)
                if failure == nil { missing.append("\(config.values[index].name) (\(entry.path))") }
                continue
            }
            entry.gauge.set(to: number)
        }
        if failure == nil, !missing.isEmpty { failure = ("missing", "no number at \(missing.joined(separator: ", "))") }
        success.set(to: failure == nil ? 1 : 0)
        guard let failure else { return nil }
        (errors[failure.reason] ?? context.metrics.jsonErrors(probe: config.name, reason: failure.reason)).increment()
        return "\(failure.reason): \(failure.detail)"
    }
}
