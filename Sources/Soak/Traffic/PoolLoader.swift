internal import Foundation
internal import Logging
internal import Prometheus
internal import SoakConfig
internal import SoakPostgres

/// Loads a scenario's pools when it starts: inline values as they are, SQL pools from their query and
/// HTTP pools from their answer. A pool that cannot be loaded gets its fallback values, with a warning
/// saying why and `soak_pool_fallbacks_total` counting it.
struct PoolLoader {
    let scenario: String
    let client: HTTPClient
    let metrics: ScenarioMetrics
    let logger: Logger

    /// Why a pool could not be loaded.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func load(_ pools: [PoolConfig]) async -> [String: [TemplateValue]] {
        var loaded: [String: [TemplateValue]] = [:]
        for pool in pools {
            let fallback: [TemplateValue]
            let from: String
            // Made before the load, at 0, so that a first fallback is an increase.
            let fallbacks: Counter
            let result: Result<[TemplateValue], any Error>
            switch pool.source {
            case .values(let values):
                loaded[pool.name] = values
                continue
            case .sql(let dsn, let query, let values):
                (fallback, from, fallbacks) = (values, "the database", metrics.poolFallbacks(pool: pool.name))
                do {
                    let rows = try await PostgresQuery.firstColumn(dsn: dsn.value, sql: query, name: scenario, timeout: .seconds(10))
                    guard !rows.isEmpty else { throw PostgresFailure.queryFailed(sqlstate: nil, message: "the query returned no rows") }
                    result = .success(rows.map { Int($0).map(TemplateValue.integer) ?? .string($0) })
                } catch {
                    result = .failure(error)
                }
            case .http(let source):
                (fallback, from, fallbacks) = (source.fallback, "\(source.target.name)", metrics.poolFallbacks(pool: pool.name))
                result = await fetch(source).mapError { $0 as any Error }
            }
            switch result {
            case .success(let values):
                loaded[pool.name] = values
                logger.info("pool loaded from \(from)", metadata: ["scenario": "\(scenario)", "pool": "\(pool.name)", "values": "\(values.count)"])
            case .failure(let error):
                loaded[pool.name] = fallback
                fallbacks.increment()
                logger.warning(
                    "pool could not be loaded from \(from); using the fallback values",
                    metadata: ["scenario": "\(scenario)", "pool": "\(pool.name)", "error": "\(error)", "values": "\(fallback.count)"])
            }
        }
        return loaded
    }

    /// One request to the pool's target; its answer's values, or why there are none.
    private func fetch(_ source: HTTPPoolSource) async -> Result<[TemplateValue], Failure> {
        let request = PreparedRequest(source.request, target: source.target, connections: nil).render()
        let outcome = await client.send(request)
        if let failure = outcome.failure { return .failure(Failure(description: "\(failure.reason.rawValue): \(failure.message)")) }
        guard source.request.expectStatus.accepts(outcome.status) else {
            return .failure(Failure(description: "status: HTTP \(outcome.status), expected \(source.request.expectStatus): \(Excerpt.of(outcome.body))"))
        }
        guard !outcome.bodyTruncated else {
            return .failure(Failure(description:
                "the answer is longer than max_response_bytes (\(source.target.maxResponseBytes)) of target \(source.target.name); raise it there or ask for fewer values"))
        }
        return source.format.values(in: outcome.body).mapError { Failure(description: $0.description) }
    }
}
