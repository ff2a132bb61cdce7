internal import Foundation
internal import Logging
internal import Prometheus
internal import SoakConfig
import Synchronization

/// One scenario ready to run: its request plans made and its pools loaded. The event loop runs it
/// (``OpenDriver``, ``ClosedDriver``).
final class ScenarioRun: Sendable {
    let config: ScenarioConfig
    let metrics: ScenarioMetrics
    let plans: [RequestPlan]
    /// Each pool's values, before slicing per user.
    let pools: [String: [TemplateValue]]
    private let logger: Logger

    private init(config: ScenarioConfig, metrics: ScenarioMetrics, plans: [RequestPlan], pools: [String: [TemplateValue]], logger: Logger) {
        self.config = config
        self.metrics = metrics
        self.plans = plans
        self.pools = pools
        self.logger = logger
    }

    /// Makes the plans and loads the pools, running SQL pools' queries and HTTP pools' requests (falling back when they fail).
    static func prepare(_ config: ScenarioConfig, httpMetrics: HTTPMetrics, client: HTTPClient, logger: Logger) async -> ScenarioRun {
        let metrics = httpMetrics.scenario(config.name)
        let connections = httpMetrics.connections(target: config.target.name)
        let plans = config.requests.map { request in
            RequestPlan(
                config: request, target: config.target, metrics: metrics.request(request, objectives: config.thresholds(of: request)),
                status: metrics.status.request(request.name, method: request.request.method), connections: connections)
        }
        let pools = await PoolLoader(scenario: config.name, client: client, metrics: metrics, logger: logger).load(config.pools)
        return ScenarioRun(config: config, metrics: metrics, plans: plans, pools: pools, logger: logger)
    }
}
