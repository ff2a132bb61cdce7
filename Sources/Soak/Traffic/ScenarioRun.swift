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

    /// Makes the plans and loads the pools, running SQL pools' queries (falling back when they fail).
    static func prepare(_ config: ScenarioConfig, httpMetrics: HTTPMetrics, logger: Logger) async -> ScenarioRun {
        let metrics = httpMetrics.scenario(config.name)
        let connections = httpMetrics.connections(target: config.target.name)
        let plans = config.requests.map { request in
            RequestPlan(
                config: request, target: config.target,
                metrics: metrics.request(request, objectives: request.thresholds ?? config.thresholds),
                status: metrics.status.request(request.name, method: request.request.method), connections: connections)
        }
        var pools: [String: [TemplateValue]] = [:]
        for pool in config.pools {
            switch pool.source {
            case .values(let values):
                pools[pool.name] = values
            case .sql(let dsn, let query, let fallback):
                do {
                    let rows = try await PostgresQuery.firstColumn(dsn: dsn.value, sql: query, name: config.name, timeout: .seconds(10))
                    guard !rows.isEmpty else { throw PostgresFailure.queryFailed(sqlstate: nil, message: "the query returned no rows") }
                    pools[pool.name] = rows.map { Int($0).map(TemplateValue.integer) ?? .string($0) }
                    logger.info("pool loaded from the database", metadata: ["scenario": "\(config.name)", "pool": "\(pool.name)", "values": "\(rows.count)"])
                } catch {
                    pools[pool.name] = fallback
                    metrics.poolFallback(pool: pool.name)
                    logger.warning(
                        "pool query failed; using the fallback values",
                        metadata: ["scenario": "\(config.name)", "pool": "\(pool.name)", "error": "\(error)", "values": "\(fallback.count)"])
                }
            }
        }
        return ScenarioRun(config: config, metrics: metrics, plans: plans, pools: pools, logger: logger)
    }
}
