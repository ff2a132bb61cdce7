internal import Foundation
internal import Logging
internal import Prometheus
internal import SoakConfig
import Synchronization

/// The dispatch-and-follow task probe: each round sends the dispatch request, takes the task hrefs
/// from its answer, and follows each task by polling it until a final state or the probe's timeout.
/// Finished tasks give phase durations and a line in results_file each.
struct TaskProbe: HTTPProbe {
    let config: TaskProbeConfig
    let context: HTTPProbeContext
    private let dispatch: PreparedRequest
    private let following = Following()
    private let status: HTTPProbeStatus

    /// The number of tasks being followed, mirrored in `soak_tasks_in_progress`.
    final class Following: Sendable {
        let count = Atomic<Int>(0)
    }

    init(config: TaskProbeConfig, context: HTTPProbeContext) {
        self.config = config
        self.context = context
        dispatch = PreparedRequest(config.dispatch, target: config.target, connections: nil)
        status = context.board.httpProbe(section: "tasks", name: config.name)
        status.inProgress(0)
        let metrics = context.metrics
        metrics.tasksInProgress(probe: config.name).set(to: 0)
        _ = metrics.followTimeouts(probe: config.name)
        _ = metrics.tasksDispatched(probe: config.name)
        // Every final state from the start, so a rate never starts from a missing series.
        for state in PulpTask.FinalState.allCases { _ = metrics.tasksFinished(probe: config.name, state: state.rawValue) }
        for phase in TaskPhase.allCases { _ = metrics.taskPhase(probe: config.name, phase: phase) }
        for reason in HTTPProbeReason.request { _ = metrics.pollErrors(probe: config.name, reason: reason) }
        for value in config.resultValues {
            metrics.taskResultValue(probe: config.name, name: value.name).set(to: .nan)
            // Both boolean counters from the start: a first `false` must be an increase, not a new series at 1.
            for flag in ["true", "false"] { _ = metrics.taskResults(probe: config.name, name: value.name, value: flag) }
        }
        for threshold in config.thresholds {
            switch threshold {
            case .failedRatio(let below):
                metrics.objectiveTaskFailedRatio(probe: config.name).set(to: below)
            case .phase(let quantile, let phase, let below):
                metrics.objectiveTaskPhase(probe: config.name, phase: phase, percentile: Figure.percentile(quantile))
                    .set(to: DurationSyntax.seconds(below))
            case .resultValue(let name, let equals, _):
                metrics.objectiveTaskResultValue(probe: config.name, name: name).set(to: equals)
            }
        }
    }

    static var reasons: [HTTPProbeReason] { HTTPProbeReason.request + [.busy] }

    /// Dispatches counted in `soak_task_dispatch_errors_total` (polls count their own, `soak_task_poll_errors_total`).
    static func telemetry(_ config: TaskProbeConfig, context: HTTPProbeContext) -> ProbeTelemetry<HTTPProbeReason> {
        let metrics = context.metrics
        return ProbeTelemetry(
            success: nil, errors: { metrics.dispatchErrors(probe: config.name, reason: $0) },
            status: context.board.httpProbe(section: "tasks", name: config.name).failures)
    }

    /// Dispatches, and follows each admitted task as work of the probe's loop (it outlives the round).
    func round(spawn: (sending @escaping @Sendable () async -> Void) -> Void) async -> ProbeRound<HTTPProbeReason> {
        let (hrefs, round) = await dispatchRound()
        for href in hrefs {
            spawn { await self.follow(href, dispatchedAt: Date(), started: .now) }
        }
        return round
    }

    /// Sends the dispatch request; the task URLs to follow (none when it failed) and the round as the
    /// loop counts it: one dispatch, failed, or succeeded and, when some tasks could not be admitted, `busy` too.
    func dispatchRound() async -> (hrefs: [String], round: ProbeRound<HTTPProbeReason>) {
        guard following.count.load(ordering: .relaxed) < config.maxInProgress else {
            return ([], .failure(ProbeFailure(.busy, message: "\(config.maxInProgress) tasks are already being followed (max_in_progress)")))
        }
        let exchange = await ProbeExchange.send(dispatch.render(), expecting: config.dispatch.expectStatus, on: context.client)
        guard !Task.isCancelled else { return ([], .success()) }
        if let failure = exchange.failure {
            return ([], .failure(exchange.failure(failure)))
        }
        guard let document = exchange.json else {
            return ([], .failure(exchange.failure(.parse, detail: "the answer is not JSON")))
        }
        let hrefs = Self.hrefs(in: document, paths: config.taskHrefs)
        guard !hrefs.isEmpty else {
            return ([], .failure(exchange.failure(.parse, detail: "no task href at \(config.taskHrefs.map(\.description).joined(separator: " or "))")))
        }
        var round = ProbeRound<HTTPProbeReason>.success()
        let urls = hrefs.map { Self.resolve($0, against: config.target.url) }
        let admitted = Array(urls.prefix(max(0, config.maxInProgress - following.count.load(ordering: .relaxed))))
        if admitted.count < urls.count {
            // The dispatch succeeded and some of its tasks are not followed: a success, then a `busy`.
            round.attempts = 2
            round.failures = [
                ProbeFailure(.busy, message: "\(urls.count - admitted.count) dispatched tasks are not followed: max_in_progress is \(config.maxInProgress)")
            ]
        }
        context.metrics.tasksDispatched(probe: config.name).increment(by: Int64(admitted.count))
        context.recorder?.dispatched(probe: config.name, count: admitted.count)
        let count = following.count.add(admitted.count, ordering: .relaxed).newValue
        context.metrics.tasksInProgress(probe: config.name).set(to: Double(count))
        status.inProgress(count)
        return (admitted, round)
    }

    /// Polls the task until it is final, the timeout runs out, or the probe stops; records how it ended.
    func follow(_ url: String, dispatchedAt: Date, started: ContinuousClock.Instant) async {
        let deadline = started + config.timeout
        var record = TaskRecord(probe: config.name, href: url, dispatchedAt: dispatchedAt)
        let poll = OutgoingRequest(target: config.target, method: "GET", url: url, timeout: nil)
        var tick = started
        while true {
            tick = max(tick + config.pollInterval, .now)
            guard tick < deadline else {
                record.outcome = .followTimeout
                break
            }
            do { try await Task.sleep(until: tick, clock: .continuous) } catch { break }
            let exchange = await ProbeExchange.send(poll, expecting: .accept(classes: [2], codes: []), on: context.client)
            guard !Task.isCancelled else { break }
            record.polls += 1
            if let failure = exchange.failure {
                pollFailed(exchange.failure(failure), record: &record)
                continue
            }
            guard let task = PulpTask(json: exchange.outcome.bodyTruncated ? [] : exchange.outcome.body) else {
                pollFailed(exchange.failure(.parse, detail: "not a task"), record: &record)
                continue
            }
            status.failures.succeeded()
            record.task = task
            if task.isFinal {
                record.outcome = .finished
                record.values = resultValues(in: exchange.json)
                break
            }
        }
        await finish(record)
    }

    private func finish(_ record: TaskRecord) async {
        await context.results.append(record)
        let count = following.count.subtract(1, ordering: .relaxed).newValue
        let metrics = context.metrics
        metrics.tasksInProgress(probe: config.name).set(to: Double(count))
        status.inProgress(count)
        status.taskEnded(
            .init(
                href: record.href, outcome: record.outcome.rawValue, state: record.task?.state,
                phases: Dictionary(record.task?.phases.map { ($0.phase.rawValue, $0.seconds) } ?? [], uniquingKeysWith: { first, _ in first }), endedAt: Date()))
        var metadata: Logger.Metadata = ["probe": "\(config.name)", "task": "\(record.href)", "state": "\(record.task?.state ?? "unknown")"]
        switch record.outcome {
        case .finished:
            guard let task = record.task else { return }
            for (phase, seconds) in task.phases { metrics.taskPhase(probe: config.name, phase: phase).record(seconds) }
            metrics.tasksFinished(probe: config.name, state: task.state).increment()
            recordValues(record.values)
            context.recorder?.finished(probe: config.name, state: task.state, phases: task.phases, values: record.values)
            if let error = task.errorDescription { metadata["error"] = "\(error)" }
            if task.state == "completed" {
                context.logger.debug("task finished", metadata: metadata)
            } else {
                context.logger.warning("task finished without completing", metadata: metadata)
            }
        case .followTimeout:
            metrics.followTimeouts(probe: config.name).increment()
            context.recorder?.followTimedOut(probe: config.name)
            context.logger.warning("task not final within the probe's timeout", metadata: metadata.merging(["timeout": "\(DurationSyntax.format(config.timeout))"]) { $1 })
        case .interrupted:
            context.logger.info("stopped following a task (soak stopping or reloading)", metadata: metadata)
        }
    }

    /// The `result_values` of a final task's document: numbers, booleans, numeric strings; nil where the path leads to none.
    func resultValues(in document: JSONValue?) -> [(name: String, value: ResultValue?)] {
        config.resultValues.map { entry in
            switch document.flatMap({ entry.path.value(in: $0) }) {
            case .bool(let flag)?: (entry.name, .boolean(flag))
            case .number(let number)?: (entry.name, .number(number.double))
            case .string(let text)?: (entry.name, Double(text).flatMap { $0.isFinite ? ResultValue.number($0) : nil })
            default: (entry.name, nil)
            }
        }
    }

    /// Sets `soak_task_result_value` to the finished task's values (NaN where it had none) and counts booleans.
    private func recordValues(_ values: [(name: String, value: ResultValue?)]) {
        for (name, value) in values {
            context.metrics.taskResultValue(probe: config.name, name: name).set(to: value?.number ?? .nan)
            guard case .boolean(let flag)? = value else { continue }
            let counters = ["true", "false"].map { context.metrics.taskResults(probe: config.name, name: name, value: $0) }
            counters[flag ? 0 : 1].increment()
        }
    }

    /// A poll that failed (the task is polled again): counted, kept with the task, and logged as the probe's failures are.
    private func pollFailed(_ failure: ProbeFailure<HTTPProbeReason>, record: inout TaskRecord) {
        context.metrics.pollErrors(probe: config.name, reason: failure.reason).increment()
        record.lastPollError = "\(failure.reason.label): \(failure.report.message)"
        status.failures.failed(failure.report)
    }

    /// The hrefs at the first path that leads to any string.
    static func hrefs(in document: JSONValue, paths: [JSONPath]) -> [String] {
        for path in paths {
            let found = path.values(in: document).compactMap(\.string).filter { !$0.isEmpty }
            if !found.isEmpty { return found }
        }
        return []
    }

    /// An href as a URL: absolute URLs as they are, `/paths` on the target's scheme, host and port
    /// (Pulp's hrefs include the API root), anything else under the target's URL.
    static func resolve(_ href: String, against base: String) -> String {
        if href.hasPrefix("http://") || href.hasPrefix("https://") { return href }
        guard href.hasPrefix("/") else { return base + "/" + href }
        guard var origin = URLComponents(string: base) else { return base + href }
        origin.path = ""
        origin.query = nil
        return (origin.string ?? base) + href
    }
}
