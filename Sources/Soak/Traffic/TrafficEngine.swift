internal import Foundation
internal import Logging
internal import SoakConfig

/// Runs the configured scenarios on the HTTP client's event loop; a reload replaces those whose
/// config changed.
actor TrafficEngine {
    private let client: HTTPClient
    private let metrics: HTTPMetrics
    private let logger: Logger
    private var running: [String: ScenarioConfig] = [:]
    /// Set by ``shutdown()``: nothing starts after it.
    private var stopped = false

    init(client: HTTPClient, metrics: HTTPMetrics, logger: Logger) {
        self.client = client
        self.metrics = metrics
        self.logger = logger
    }

    /// Runs `scenarios`: new and changed ones are prepared (their pools loaded) while the old ones keep
    /// sending, then swapped in on the loop in one step; removed ones stop. An unchanged scenario keeps
    /// running untouched. Requests in flight of a stopped scenario finish and are recorded.
    func apply(_ scenarios: [ScenarioConfig]) async {
        var replacements: [ScenarioRun] = []
        for scenario in scenarios where running[scenario.name] != scenario {
            let run = await ScenarioRun.prepare(scenario, httpMetrics: metrics, client: client, logger: logger)
            guard !stopped else { return }
            replacements.append(run)
        }
        guard !stopped else { return }
        let wanted = Set(scenarios.map(\.name))
        for name in running.keys where !wanted.contains(name) {
            client.stop(scenario: name)
            running[name] = nil
            logger.info("scenario stopped", metadata: ["scenario": "\(name)"])
        }
        for run in replacements {
            let replaced = running[run.config.name] != nil
            client.run(run)
            running[run.config.name] = run.config
            logger.info(
                replaced ? "scenario restarted with its new config" : "scenario started",
                metadata: ["scenario": "\(run.config.name)", "target": "\(run.config.target.url)"])
        }
    }

    /// Stops every scenario (their requests in flight finish while the client drains) and starts none after.
    func shutdown() {
        stopped = true
        client.stopAllScenarios()
        running.removeAll()
    }
}
