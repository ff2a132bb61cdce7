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
    private let status: HTTPProbeStatus

    init(config: JSONValueProbeConfig, context: HTTPProbeContext) {
        self.config = config
        self.context = context
        request = PreparedRequest(config.request, target: config.target, connections: nil)
        gauges = config.values.map { ($0.path, context.metrics.jsonValue(probe: config.name, name: $0.name)) }
        status = context.board.httpProbe(section: "json_values", name: config.name)
    }

    static var reasons: [HTTPProbeReason] { HTTPProbeReason.request + [.missing] }

    /// `soak_json_probe_success` and `soak_json_probe_errors_total`, removed when the probe stops (as its values are).
    static func telemetry(_ config: JSONValueProbeConfig, context: HTTPProbeContext) -> ProbeTelemetry<HTTPProbeReason> {
        let metrics = context.metrics
        let success = metrics.jsonSuccess(probe: config.name)
        return ProbeTelemetry(
            success: success, errors: { metrics.jsonErrors(probe: config.name, reason: $0) },
            status: context.board.httpProbe(section: "json_values", name: config.name).failures,
            retire: {
                metrics.registry.unregisterGauge(success)
                for reason in reasons { metrics.registry.unregisterCounter(metrics.jsonErrors(probe: config.name, reason: reason)) }
            })
    }

    /// Stopped (removed, changed or shutting down): no value may outlive the probe at a stale value.
    func stop() async {
        for entry in gauges { context.metrics.registry.unregisterGauge(entry.gauge) }
    }

    func round(spawn: (sending @escaping @Sendable () async -> Void) -> Void) async -> ProbeRound<HTTPProbeReason> {
        await read().map(ProbeRound.failure) ?? .success()
    }

    /// One request and its values; what went wrong, if anything.
    @discardableResult
    func read() async -> ProbeFailure<HTTPProbeReason>? {
        let exchange = await ProbeExchange.send(request.render(), expecting: config.request.expectStatus, on: context.client)
        guard !Task.isCancelled else { return nil }
        var failure: ProbeFailure<HTTPProbeReason>?
        let document = exchange.json
        if let reason = exchange.failure {
            failure = exchange.failure(reason)
        } else if document == nil {
            failure = exchange.failure(.parse, detail: "the answer is not JSON")
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
        if failure == nil, !missing.isEmpty { failure = exchange.failure(.missing, detail: "no number at \(missing.joined(separator: ", "))") }
        status.values(values, error: failure.map { "\($0.reason.label): \($0.report.message)" })
        return failure
    }
}
