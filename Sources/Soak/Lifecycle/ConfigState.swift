internal import Foundation
internal import Logging
internal import SoakConfig

/// The config soak runs now, and the reloads that replace it, applied one at a time: a reload asked
/// for while another (or the config loaded at start) is being applied waits, and every reload that
/// waited is then served by one load of the file, each caller getting that outcome. So applying a
/// config can never interleave with applying another, and no scenario, probe or hold runs twice.
actor ConfigState {
    /// The outcome of the latest load, shown on the status page.
    struct LoadStatus: Sendable {
        let successful: Bool
        let at: Date
        let problems: [String]
    }

    typealias Outcome = Result<SoakConfiguration, ConfigError>

    let path: String
    /// The shard this process is: every config loaded is cut to it (``SoakConfiguration/forShard(_:)``).
    let shard: Shard
    private(set) var current: SoakConfiguration
    private(set) var lastLoad: LoadStatus
    /// Whether a config is being applied now: the one loaded at start until ``applyInitial()`` has
    /// applied it, then each reload while it runs.
    private(set) var applying = true
    private var initialApplied = false
    /// Reloads asked for while a config was being applied, with what asked for each.
    private var queued: [(trigger: String, continuation: CheckedContinuation<Outcome, Never>)] = []
    private let metrics: SoakMetrics
    private let supervisors: Supervisors
    private let logger: Logger

    init(path: String, shard: Shard = .whole, initial: SoakConfiguration, metrics: SoakMetrics, supervisors: Supervisors, logger: Logger) {
        self.path = path
        self.shard = shard
        self.current = initial
        self.lastLoad = LoadStatus(successful: true, at: Date(), problems: [])
        self.metrics = metrics
        self.supervisors = supervisors
        self.logger = logger
        metrics.recordConfigLoad(success: true, at: lastLoad.at)
    }

    /// Starts what the config loaded at start asks for; reloads asked for meanwhile wait for it, then run.
    func applyInitial() async {
        guard !initialApplied else { return }
        initialApplied = true
        await apply(current)
        await serveQueued()
        applying = false
    }

    /// Loads the file again. A valid file replaces the running config; an invalid one is logged,
    /// flips `soak_config_last_reload_successful` to 0 and leaves the running config alone.
    func reload(trigger: String) async -> Outcome {
        guard !applying else {
            logger.info("config reload waits for the one being applied", metadata: ["trigger": "\(trigger)"])
            return await withCheckedContinuation { queued.append((trigger, $0)) }
        }
        applying = true
        let outcome = await loadAndApply(trigger: trigger)
        await serveQueued()
        applying = false
        return outcome
    }

    /// Serves the reloads that waited with one load each round, until none is waiting.
    private func serveQueued() async {
        while !queued.isEmpty {
            let waiting = queued
            queued.removeAll()
            let outcome = await loadAndApply(trigger: waiting.map(\.trigger).joined(separator: ","))
            for reload in waiting { reload.continuation.resume(returning: outcome) }
        }
    }

    private func loadAndApply(trigger: String) async -> Outcome {
        do throws(ConfigError) {
            let next = try ConfigLoader.load(file: path).forShard(shard)
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
            await apply(next)
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

    /// Points results_file at the config's path and hands each section to its supervisor; each keeps
    /// what did not change running.
    private func apply(_ config: SoakConfiguration) async {
        supervisors.results.setPath(config.resultsFile)
        await supervisors.databases.apply(config.databases)
        await supervisors.probes.apply(HTTPProbeEntry.all(in: config))
        await supervisors.scenarios.apply(config.scenarios)
    }
}
