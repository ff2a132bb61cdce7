internal import Foundation
internal import Logging
internal import SoakConfig

/// The config soak runs now, and the reload that replaces it only when the new file is valid.
actor ConfigState {
    /// The outcome of the latest load, shown on the status page.
    struct LoadStatus: Sendable {
        let successful: Bool
        let at: Date
        let problems: [String]
    }

    let path: String
    private(set) var current: SoakConfiguration
    private(set) var lastLoad: LoadStatus
    private let metrics: SoakMetrics
    private let traffic: TrafficEngine
    private let databases: DatabaseSupervisor
    private let probes: HTTPProbeSupervisor
    private let logger: Logger

    init(path: String, initial: SoakConfiguration, metrics: SoakMetrics, traffic: TrafficEngine, databases: DatabaseSupervisor, probes: HTTPProbeSupervisor,
        logger: Logger
    ) {
        self.path = path
        self.current = initial
        self.lastLoad = LoadStatus(successful: true, at: Date(), problems: [])
        self.metrics = metrics
        self.traffic = traffic
        self.databases = databases
        self.probes = probes
        self.logger = logger
        metrics.recordConfigLoad(success: true, at: lastLoad.at)
    }

    /// Loads the file again. A valid file replaces the running config; an invalid one is logged,
    /// flips `soak_config_last_reload_successful` to 0 and leaves the running config alone.
    func reload(trigger: String) async -> Result<SoakConfiguration, ConfigError> {
        do throws(ConfigError) {
            let next = try ConfigLoader.load(file: path)
            guard next.http.latencyBuckets == current.http.latencyBuckets else {
                throw ConfigError(problems: [
                    ConfigProblem(
                        file: path, line: nil, column: nil,
                        message: "http.latency_buckets cannot change while soak runs (histogram buckets are fixed); restart soak to apply them")
                ])
            }
            if next.web.listenAddress != current.web.listenAddress {
                logger.warning(
                    "web.listen_address changed; restart soak to listen on the new address",
                    metadata: ["old": "\(current.web.listenAddress)", "new": "\(next.web.listenAddress)"])
            }
            current = next
            await traffic.apply(next.scenarios)
            await databases.apply(next.databases, resultsFile: next.resultsFile)
            await probes.apply(next)
            lastLoad = LoadStatus(successful: true, at: Date(), problems: [])
            metrics.recordConfigLoad(success: true, at: lastLoad.at)
            logger.info("config reloaded", metadata: ["file": "\(path)", "trigger": "\(trigger)"])
            return .success(next)
        } catch {
            lastLoad = LoadStatus(successful: false, at: Date(), problems: error.problems.map(\.description))
            metrics.recordConfigLoad(success: false)
            for problem in error.problems {
                logger.error("config reload failed; the previous config keeps running", metadata: ["trigger": "\(trigger)", "problem": "\(problem)"])
            }
            return .failure(error)
        }
    }
}
