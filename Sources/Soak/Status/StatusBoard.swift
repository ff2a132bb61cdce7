internal import Foundation
internal import Logging
internal import SoakConfig
import Synchronization

/// Everything the status page and `GET /api/v1/status` show, in one place: the traffic engine, the
/// probes and the holds feed their parts as they run, and ``snapshot(_:)`` reads them all at once
/// in the order of the config running now. Parts are made on first use and kept across reloads, as
/// metric series are; an entry a reload removed is simply not shown.
final class StatusBoard: Sendable {
    let startedAt: Date
    let start: ContinuousClock.Instant
    /// How often a request or probe that keeps failing logs a summary line, and how long it must go
    /// without failure to count as recovered (`--log.failure-interval`).
    let failureInterval: Duration
    let logger: Logger
    private let scenarios = Mutex<[String: ScenarioStatus]>([:])
    private let databaseProbes = Mutex<[String: DatabaseProbeStatus]>([:])
    private let holds = Mutex<[String: HoldStatus]>([:])
    private let httpProbes = Mutex<[String: HTTPProbeStatus]>([:])

    init(failureInterval: Duration = .seconds(60), logger: Logger, startedAt: Date = Date(), start: ContinuousClock.Instant = .now) {
        self.failureInterval = failureInterval
        self.logger = logger
        self.startedAt = startedAt
        self.start = start
    }

    /// Seconds since soak started.
    var elapsed: Double { (ContinuousClock.now - start) / .seconds(1) }

    func scenario(_ name: String) -> ScenarioStatus {
        Self.part(scenarios, name) { ScenarioStatus(name: name, board: self) }
    }

    func databaseProbe(database: String, probe: String) -> DatabaseProbeStatus {
        Self.part(databaseProbes, "\(database)/\(probe)") { DatabaseProbeStatus(database: database, probe: probe, board: self) }
    }

    func hold(database: String, test: String) -> HoldStatus {
        Self.part(holds, "\(database)/\(test)") { HoldStatus(test: test) }
    }

    /// An ingestion, task or JSON value probe's part, by the section and name that make it unique.
    func httpProbe(section: String, name: String) -> HTTPProbeStatus {
        Self.part(httpProbes, "\(section)/\(name)") { HTTPProbeStatus(probe: name, board: self) }
    }

    private static func part<Part>(_ parts: borrowing Mutex<[String: Part]>, _ key: String, make: () -> Part) -> Part {
        parts.withLock { parts in
            if let part = parts[key] { return part }
            let part = make()
            parts[key] = part
            return part
        }
    }

    /// What the process and its config say about themselves, which the board does not keep.
    struct Context {
        var build: BuildInfo
        var listeningOn: String
        var configFile: String
        var lifecycleEnabled: Bool
        var config: SoakConfiguration
        var lastLoad: ConfigState.LoadStatus
        var applying: Bool
        var resultsTail: [String]
    }

    func snapshot(_ context: Context) -> StatusSnapshot {
        let elapsed = self.elapsed
        let config = context.config
        let scenarios = config.scenarios.map { scenario -> StatusSnapshot.Scenario in
            let status = self.scenario(scenario.name)
            let (lagP99, requests) = status.snapshot(requests: scenario.requests.map(\.name), elapsed: elapsed)
            let model: String
            let load: String
            switch scenario.workload {
            case .open(let open): (model, load) = ("open", open.rate.description)
            case .closed(let closed): (model, load) = ("closed", "\(closed.userCount) users")
            }
            return StatusSnapshot.Scenario(
                name: scenario.name, target: scenario.target.name, model: model, load: load,
                inFlight: status.inFlight.load(ordering: .relaxed), virtualUsers: status.virtualUsers.load(ordering: .relaxed),
                droppedTotal: status.dropped.load(ordering: .relaxed), scheduleLagP99Seconds: lagP99, requests: requests)
        }
        let databases = config.databases.map { database in
            StatusSnapshot.Database(
                name: database.name, endpoint: database.endpoint,
                probes: database.probes.map { databaseProbe(database: database.name, probe: $0.kind.rawValue).snapshot },
                holds: database.holds.map { hold(database: database.name, test: $0.test.rawValue).snapshot })
        }
        var links = ["metrics": "metrics"]
        links.merge(config.web.links) { $1 }
        return StatusSnapshot(
            now: Date(),
            process: .init(
                version: context.build.version, revision: context.build.revision, startedAt: startedAt, uptimeSeconds: elapsed,
                listeningOn: context.listeningOn, configFile: context.configFile, lifecycleEnabled: context.lifecycleEnabled),
            reload: .init(
                state: context.applying ? "applying" : context.lastLoad.successful ? "ok" : "failed", at: context.lastLoad.at,
                problems: context.lastLoad.problems),
            links: links, scenarios: scenarios, databases: databases,
            ingestion: config.ingestion.map { httpProbe(section: "ingestion", name: $0.name).ingestion },
            tasks: config.tasks.map { httpProbe(section: "tasks", name: $0.name).tasks },
            jsonValues: config.jsonValues.map { httpProbe(section: "json_values", name: $0.name).jsonValues },
            resultsFile: .init(path: config.resultsFile, lines: context.resultsTail),
            config: config.redactedYAML)
    }
}
