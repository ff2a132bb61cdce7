internal import Foundation
internal import SoakConfig

/// A followed task as results_file records it: its timestamps, state, error and result as Pulp gave
/// them, the phases soak derived, and how the follow ended.
struct TaskRecord: Encodable, Sendable {
    /// How following the task ended.
    enum Outcome: String, Encodable, Sendable {
        /// It reached a final state.
        case finished
        /// It was not final when the probe's timeout ran out.
        case followTimeout = "follow_timeout"
        /// soak stopped or was reloaded while following it; not counted in the metrics.
        case interrupted
    }

    let kind = "task"
    let probe: String
    let href: String
    let dispatchedAt: String
    var outcome = Outcome.interrupted
    var polls = 0
    var lastPollError: String?
    var task: PulpTask?
    /// The probe's `result_values` of the final task, in config order (nil where the task had none).
    var values: [(name: String, value: ResultValue?)] = []

    init(probe: String, href: String, dispatchedAt: Date) {
        self.probe = probe
        self.href = href
        self.dispatchedAt = Timestamp.rfc3339(dispatchedAt)
    }

    enum CodingKeys: String, CodingKey {
        case kind, probe, href, outcome, polls, state, name, error, result, phases, values
        case dispatchedAt = "dispatched_at"
        case lastPollError = "last_poll_error"
        case pulpCreated = "pulp_created"
        case unblockedAt = "unblocked_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(probe, forKey: .probe)
        try container.encode(href, forKey: .href)
        try container.encode(dispatchedAt, forKey: .dispatchedAt)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(polls, forKey: .polls)
        try container.encodeIfPresent(lastPollError, forKey: .lastPollError)
        guard let task else { return }
        try container.encode(task.state, forKey: .state)
        try container.encodeIfPresent(task.name, forKey: .name)
        try container.encodeIfPresent(task.pulpCreated, forKey: .pulpCreated)
        try container.encodeIfPresent(task.unblockedAt, forKey: .unblockedAt)
        try container.encodeIfPresent(task.startedAt, forKey: .startedAt)
        try container.encodeIfPresent(task.finishedAt, forKey: .finishedAt)
        try container.encodeIfPresent(task.errorDescription, forKey: .error)
        try container.encode(task.result, forKey: .result)
        try container.encode(Dictionary(task.phases.map { ($0.phase.rawValue, $0.seconds) }, uniquingKeysWith: { first, _ in first }), forKey: .phases)
        if !values.isEmpty {
            let encoded = Dictionary(values.map { name, value -> (String, JSONValue) in
                switch value {
                case .boolean(let flag)?: (name, .bool(flag))
                case .number(let number)?: (name, .number(JSONNumber(number)))
                case nil: (name, .null)
                }
            }, uniquingKeysWith: { first, _ in first })
            try container.encode(encoded, forKey: .values)
        }
    }
}
