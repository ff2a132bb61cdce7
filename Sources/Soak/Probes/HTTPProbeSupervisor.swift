internal import Logging
internal import SoakConfig

/// One configured HTTP probe of any kind, compared whole so a reload restarts only what changed.
enum HTTPProbeEntry: Equatable, Sendable {
    case ingestion(IngestionProbeConfig)
    case task(TaskProbeConfig)
    case jsonValues(JSONValueProbeConfig)

    /// Every probe of a config, in the order of its sections.
    static func all(in config: SoakConfiguration) -> [HTTPProbeEntry] {
        config.ingestion.map(Self.ingestion) + config.tasks.map(Self.task) + config.jsonValues.map(Self.jsonValues)
    }

    /// The section and name, unique in a config.
    var key: String {
        switch self {
        case .ingestion(let config): "ingestion/\(config.name)"
        case .task(let config): "tasks/\(config.name)"
        case .jsonValues(let config): "json_values/\(config.name)"
        }
    }

    /// The probe of this kind.
    func makeProbe(_ context: HTTPProbeContext) -> any HTTPProbe {
        switch self {
        case .ingestion(let config): IngestionProbe(config: config, context: context)
        case .task(let config): TaskProbe(config: config, context: context)
        case .jsonValues(let config): JSONValueProbe(config: config, context: context)
        }
    }
}

/// Runs the `ingestion`, `tasks` and `json_values` probes. A reload restarts only the probes whose
/// config changed, so tasks being followed are not dropped by an unrelated edit.
actor HTTPProbeSupervisor {
    private struct Running {
        let entry: HTTPProbeEntry
        let task: TrackedTask
    }

    private let context: HTTPProbeContext
    private var running: [String: Running] = [:]
    /// Probes told to stop at shutdown, until ``awaitStopped()``.
    private var stopping: [TrackedTask] = []
    /// Set by ``stop()``: nothing starts after it.
    private var stopped = false

    init(context: HTTPProbeContext) {
        self.context = context
    }

    /// Starts the probes that are new or changed; stops those removed or changed (tasks they
    /// followed write an `interrupted` line).
    func apply(_ config: SoakConfiguration) async {
        let wanted = HTTPProbeEntry.all(in: config)
        let wantedByKey = Dictionary(wanted.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for (key, probe) in running where wantedByKey[key] != probe.entry {
            probe.task.cancel()
            await probe.task.task.value
            running[key] = nil
            context.logger.info("probe stopped", metadata: ["probe": "\(key)"])
        }
        guard !stopped else { return }
        for entry in wanted where running[entry.key] == nil {
            let probe = entry.makeProbe(context)
            running[entry.key] = Running(entry: entry, task: TrackedTask { await probe.run() })
            context.logger.info("probe started", metadata: ["probe": "\(entry.key)"])
        }
    }

    /// Tells every probe to stop, without waiting: a probe waiting on a request in flight (an
    /// ingestion call lasts 25 s) ends when the HTTP client closes. ``awaitStopped()`` waits for them then.
    func stop() {
        stopped = true
        stopping += running.values.map(\.task)
        running.removeAll()
        for task in stopping { task.cancel() }
    }

    /// Waits for the probes ``stop()`` stopped, so the followed tasks they write down reach
    /// results_file before the process exits. Call it once the HTTP client has closed.
    func awaitStopped() async {
        for task in stopping { await task.task.value }
        stopping.removeAll()
    }
}
