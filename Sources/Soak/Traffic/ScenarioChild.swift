internal import Logging
internal import SoakConfig

/// A scenario as a supervised child: it runs on the HTTP client's event loop from the moment it
/// starts until it is stopped. Its requests in flight finish and are recorded after it stops.
struct ScenarioChild: Supervised {
    let scenario: ScenarioRun
    let client: HTTPClient

    /// Hands the scenario to the loop, which replaces a running one of the same name in one step:
    /// the supervisor calls this before it stops the old child, whose stop then finds nothing to stop.
    func start() {
        client.run(scenario)
    }

    func run() async {
        await waitUntilCancelled()
        client.stop(scenario)
    }
}

extension Supervisor where Entry == ScenarioConfig {
    /// The supervisor of the `scenarios` section: a new or changed scenario is prepared (its pools
    /// loaded) while the old one keeps sending, then replaces it on the loop in one step.
    static func scenarios(client: HTTPClient, metrics: HTTPMetrics, logger: Logger) -> Supervisor<ScenarioConfig> {
        Supervisor(
            key: \.name, handover: .replaceInPlace,
            naming: .init(noun: "scenario") { ["scenario": "\($0.name)", "target": "\($0.target.url)"] }, logger: logger
        ) { config in
            ScenarioChild(scenario: await ScenarioRun.prepare(config, httpMetrics: metrics, client: client, logger: logger), client: client)
        }
    }
}
