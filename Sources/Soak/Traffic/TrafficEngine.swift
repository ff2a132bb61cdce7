internal import Foundation
internal import Logging
internal import SoakConfig

/// Runs the configured scenarios on one HTTP client; a reload replaces those whose config changed.
actor TrafficEngine {
    private struct Running {
        let config: ScenarioConfig
        let task: TrackedTask
    }

    private let client: CurlClient
    private let metrics: HTTPMetrics
    private let logger: Logger
    private var running: [String: Running] = [:]
    /// Set by ``shutdown(grace:)``: nothing starts after it.
    private var stopped = false

    init(client: CurlClient, metrics: HTTPMetrics, logger: Logger) {
        self.client = client
        self.metrics = metrics
        self.logger = logger
    }

    /// Runs `scenarios`: new and changed ones are prepared (their pools loaded) while the old ones keep
    /// sending, then swapped in; removed ones stop. An unchanged scenario keeps running untouched.
    /// Requests in flight of a stopped scenario finish on their own.
    func apply(_ scenarios: [ScenarioConfig]) async {
        var replacements: [ScenarioRun] = []
        for scenario in scenarios where running[scenario.name]?.config != scenario {
            let run = await ScenarioRun.prepare(scenario, httpMetrics: metrics, client: client, logger: logger)
            guard !stopped else { return }
            replacements.append(run)
        }
        guard !stopped else { return }
        let wanted = Set(scenarios.map(\.name))
        for (name, entry) in running where !wanted.contains(name) {
            entry.task.cancel()
            running[name] = nil
            logger.info("scenario stopped", metadata: ["scenario": "\(name)"])
        }
        for run in replacements {
            let replaced = running[run.config.name]
            replaced?.task.cancel()
            let client = self.client
            running[run.config.name] = Running(config: run.config, task: TrackedTask { await run.run(client: client) })
            logger.info(
                replaced == nil ? "scenario started" : "scenario restarted with its new config",
                metadata: ["scenario": "\(run.config.name)", "target": "\(run.config.target.url)"])
        }
    }

    /// Stops starting requests, lets those in flight finish within `grace`, then closes the client.
    func shutdown(grace: Duration) async {
        stopped = true
        let tasks = running.values.map(\.task)
        for task in tasks { task.cancel() }
        let deadline = ContinuousClock.now + grace
        // First the scenarios stop (an open-model loop at once; a closed-model user once its request has
        // answered), so no request is sent to a client that is closing; then the open model's last sends finish.
        await TrackedTask.waitForAll(tasks, until: deadline)
        while client.inFlight > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if client.inFlight > 0 {
            logger.warning("requests still in flight at the end of the grace period are abandoned", metadata: ["in_flight": "\(client.inFlight)"])
        }
        await client.shutdown()
        for task in tasks { await task.task.value }
        running.removeAll()
    }
}
