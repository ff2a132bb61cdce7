internal import Foundation
internal import Logging
internal import SoakConfig

/// Runs the configured scenarios on one HTTP client; a reload replaces them.
actor TrafficEngine {
    private let client: CurlClient
    private let metrics: HTTPMetrics
    private let logger: Logger
    private var running: [TrackedTask] = []

    init(client: CurlClient, metrics: HTTPMetrics, logger: Logger) {
        self.client = client
        self.metrics = metrics
        self.logger = logger
    }

    /// Stops the scenarios running now (their requests in flight finish on their own) and starts `scenarios`.
    func apply(_ scenarios: [ScenarioConfig]) async {
        for task in running { task.cancel() }
        running.removeAll()
        for scenario in scenarios {
            let run = await ScenarioRun.prepare(scenario, httpMetrics: metrics, logger: logger)
            let client = self.client
            running.append(TrackedTask { await run.run(client: client) })
            logger.info("scenario started", metadata: ["scenario": "\(scenario.name)", "target": "\(scenario.target.url)"])
        }
    }

    /// Stops starting requests, lets those in flight finish within `grace`, then closes the client.
    func shutdown(grace: Duration) async {
        for task in running { task.cancel() }
        let deadline = ContinuousClock.now + grace
        // First the scenarios stop (an open-model loop at once; a closed-model user once its request has
        // answered), so no request is sent to a client that is closing; then the open model's last sends finish.
        await TrackedTask.waitForAll(running, until: deadline)
        while client.inFlight > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if client.inFlight > 0 {
            logger.warning("requests still in flight at the end of the grace period are abandoned", metadata: ["in_flight": "\(client.inFlight)"])
        }
        await client.shutdown()
        for task in running { await task.task.value }
        running.removeAll()
    }
}
