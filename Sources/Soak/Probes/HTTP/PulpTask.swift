internal import SoakConfig

/// A task as Pulp's task API shows it (`GET /pulp/api/v3/tasks/<id>/`): what a task probe reads.
struct PulpTask: Sendable, Equatable {
    /// Pulp's final states, the `state` label of `soak_tasks_finished_total`; any other state (waiting,
    /// running, canceling) is still in progress.
    enum FinalState: String, CaseIterable, Sendable {
        case completed, failed, canceled, skipped
    }

    let state: String
    let name: String?
    let pulpCreated: String?
    let unblockedAt: String?
    let startedAt: String?
    let finishedAt: String?
    let errorDescription: String?
    let result: JSONValue

    var isFinal: Bool { FinalState(rawValue: state) != nil }

    /// Reads a task document; nil when it is not a JSON object with a string `state`.
    init?(json body: [UInt8]) {
        guard let object = try? JSONValue(parsing: body), case .object = object, let state = object["state"]?.string else {
            return nil
        }
        self.state = state
        name = object["name"]?.string
        pulpCreated = object["pulp_created"]?.string
        unblockedAt = object["unblocked_at"]?.string
        startedAt = object["started_at"]?.string
        finishedAt = object["finished_at"]?.string
        errorDescription = object["error"]?["description"]?.string
        result = object["result"] ?? .null
    }

    /// The phases its timestamps give, in seconds: blocked (unblocked_at − pulp_created), queue
    /// (started_at − unblocked_at, or − pulp_created on a Pulp without unblocked_at), run
    /// (finished_at − started_at) and total (finished_at − pulp_created). A phase whose timestamps are
    /// missing (a skipped or canceled task never started) or out of order is left out.
    var phases: [(phase: TaskPhase, seconds: Double)] {
        let created = pulpCreated.flatMap(PulpTimestamp.parse)
        let unblocked = unblockedAt.flatMap(PulpTimestamp.parse)
        let started = startedAt.flatMap(PulpTimestamp.parse)
        let finished = finishedAt.flatMap(PulpTimestamp.parse)
        var phases: [(TaskPhase, Double)] = []
        func add(_ phase: TaskPhase, _ from: Double?, _ to: Double?) {
            guard let from, let to, to >= from else { return }
            phases.append((phase, to - from))
        }
        add(.blocked, created, unblocked)
        add(.queue, unblocked ?? created, started)
        add(.run, started, finished)
        add(.total, created, finished)
        return phases
    }
}
