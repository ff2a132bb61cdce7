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

    /// The number of tasks being followed, mirrored in `soak_tasks_in_progress`.
    final class Following: Sendable {
        let count = Atomic<Int>(0)
    }

    init(config: TaskProbeConfig, context: HTTPProbeContext) {
        self.config = config
        self.context = context
        dispatch = PreparedRequest(config.dispatch, target: config.target, connections: nil)
        let metrics = context.metrics
        metrics.tasksInProgress(probe: config.name).set(to: 0)
        _ = metrics.followTimeouts(probe: config.name)
        _ = metrics.tasksDispatched(probe: config.name)
        for state in ProbeMetrics.finalStates { _ = metrics.tasksFinished(probe: config.name, state: state) }
        for phase in ["blocked", "queue", "run", "total"] { _ = metrics.taskPhase(probe: config.name, phase: phase) }
        for reason in ProbeMetrics.requestFailureReasons {
            _ = metrics.dispatchErrors(probe: config.name, reason: reason)
            _ = metrics.pollErrors(probe: config.name, reason: reason)
        }
        _ = metrics.dispatchErrors(probe: config.name, reason: "busy")
    }

    func run() async {
        await withDiscardingTaskGroup { group in
            await runOnSchedule(every: config.every) {
                for href in await self.dispatchRound() {
                    group.addTask { await self.follow(href, dispatchedAt: Date(), started: .now) }
                }
            }
        }
    }

    /// Sends the dispatch request; the task URLs to follow, or none (counted) when it failed.
    func dispatchRound() async -> [String] {
        guard following.count.load(ordering: .relaxed) < config.maxInProgress else {
            dispatchFailed("busy", detail: "\(config.maxInProgress) tasks are already being followed (max_in_progress)")
            return []
        }
        let exchange = await ProbeExchange.send(dispatch.render(), expecting: config.dispatch.expectStatus, on: context.client)
        guard !Task.isCancelled else { return [] }
        if let failure = exchange.failure {
            dispatchFailed(failure, detail: exchange.outcome.failure?.message ?? "HTTP \(exchange.outcome.status): \(Self.excerpt(exchange.outcome.body))")
            return []
        }
        guard let document = exchange.json else {
            dispatchFailed("parse", detail: "the answer is not JSON: \(Self.excerpt(exchange.outcome.body))")
            return []
        }
        let hrefs = Self.hrefs(in: document, paths: config.taskHrefs)
        guard !hrefs.isEmpty else {
            dispatchFailed("parse", detail: "no task href at \(config.taskHrefs.map(\.description).joined(separator: " or ")): \(Self.excerpt(exchange.outcome.body))")
            return []
        }
        let urls = hrefs.map { Self.resolve($0, against: config.target.url) }
        let admitted = Array(urls.prefix(max(0, config.maxInProgress - following.count.load(ordering: .relaxed))))
        if admitted.count < urls.count {
            dispatchFailed("busy", detail: "\(urls.count - admitted.count) dispatched tasks are not followed: max_in_progress is \(config.maxInProgress)")
        }
        context.metrics.tasksDispatched(probe: config.name).increment(by: Int64(admitted.count))
        let count = following.count.add(admitted.count, ordering: .relaxed).newValue
        context.metrics.tasksInProgress(probe: config.name).set(to: Double(count))
        return admitted
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
                pollFailed(failure, record: &record, detail: exchange.outcome.failure?.message ?? "HTTP \(exchange.outcome.status)")
                continue
            }
            guard let task = PulpTask(json: exchange.outcome.bodyTruncated ? [] : exchange.outcome.body) else {
                pollFailed("parse", record: &record, detail: "not a task: \(Self.excerpt(exchange.outcome.body))")
                continue
            }
            record.task = task
            if task.isFinal {
                record.outcome = .finished
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
        var metadata: Logger.Metadata = ["probe": "\(config.name)", "task": "\(record.href)", "state": "\(record.task?.state ?? "unknown")"]
        switch record.outcome {
        case .finished:
            guard let task = record.task else { return }
            for (phase, seconds) in task.phases { metrics.taskPhase(probe: config.name, phase: phase).record(seconds) }
            metrics.tasksFinished(probe: config.name, state: task.state).increment()
            if let error = task.errorDescription { metadata["error"] = "\(error)" }
            if task.state == "completed" {
                context.logger.debug("task finished", metadata: metadata)
            } else {
                context.logger.warning("task finished without completing", metadata: metadata)
            }
        case .followTimeout:
            metrics.followTimeouts(probe: config.name).increment()
            context.logger.warning("task not final within the probe's timeout", metadata: metadata.merging(["timeout": "\(DurationSyntax.format(config.timeout))"]) { $1 })
        case .interrupted:
            context.logger.info("stopped following a task (soak stopping or reloading)", metadata: metadata)
        }
    }

    private func dispatchFailed(_ reason: String, detail: String) {
        context.metrics.dispatchErrors(probe: config.name, reason: reason).increment()
        context.logger.warning("task dispatch failed", metadata: ["probe": "\(config.name)", "reason": "\(reason)", "error": "\(detail)"])
    }

    private func pollFailed(_ reason: String, record: inout TaskRecord, detail: String) {
        context.metrics.pollErrors(probe: config.name, reason: reason).increment()
        record.lastPollError = "\(reason): \(detail)"
        context.logger.warning("task poll failed; polling again", metadata: ["probe": "\(config.name)", "task": "\(record.href)", "reason": "\(reason)", "error": "\(detail)"])
    }

    /// The hrefs at the first path that leads to any string.
    static func hrefs(in document: Any, paths: [JSONPath]) -> [String] {
        for path in paths {
            let found = path.values(in: document).compactMap { $0 as? String }.filter { !$0.isEmpty }
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

    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return body.count > 200 ? text + "…" : text
    }
}
