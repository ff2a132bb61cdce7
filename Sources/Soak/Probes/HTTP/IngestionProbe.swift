internal import Foundation
internal import Logging
internal import Prometheus
internal import SoakConfig
import Synchronization

/// The task-ingestion probe: each round, `concurrency` calls at once to an endpoint that dispatches
/// tasks for a while and answers how many (Pulp's `GET /api/pulp/test/tasks/`). The round's rate is
/// the tasks reported over the round's wall time, as the hand-run test computed it; each round is a
/// line in results_file, the hand-run table's row.
struct IngestionProbe: HTTPProbe {
    let config: IngestionProbeConfig
    let context: HTTPProbeContext
    private let request: PreparedRequest
    private let status: HTTPProbeStatus
    private let rounds = RoundCount()

    /// Rounds run so far, for the log.
    final class RoundCount: Sendable {
        let value = Atomic<Int>(0)
    }

    init(config: IngestionProbeConfig, context: HTTPProbeContext) {
        self.config = config
        self.context = context
        request = PreparedRequest(config.request, target: config.target, connections: nil)
        status = context.board.httpProbe(section: "ingestion", name: config.name)
        _ = context.metrics.ingestRate(probe: config.name)
        for case .tasksPerSecond(let above) in config.thresholds { context.metrics.objectiveIngestRate(probe: config.name).set(to: above) }
    }

    static var reasons: [HTTPProbeReason] { HTTPProbeReason.request }

    /// Each failed call counted in `soak_ingest_errors_total`; no success gauge (the rate is the round's figure).
    static func telemetry(_ config: IngestionProbeConfig, context: HTTPProbeContext) -> ProbeTelemetry<HTTPProbeReason> {
        let metrics = context.metrics
        return ProbeTelemetry(
            success: nil, errors: { metrics.ingestErrors(probe: config.name, reason: $0) },
            status: context.board.httpProbe(section: "ingestion", name: config.name).failures)
    }

    /// One call's result: tasks reported (0 when it failed), its time and its failure reason.
    struct Call: Encodable, Sendable {
        let tasks: Int
        let seconds: Double
        let error: String?
        let status: Int
        /// Why it failed, for the probe's loop; not written.
        var failure: ProbeFailure<HTTPProbeReason>? = nil

        enum CodingKeys: String, CodingKey {
            case tasks, seconds, error, status
        }
    }

    /// A round as results_file records it.
    struct Round: Encodable, Sendable {
        let kind = "ingestion"
        let probe: String
        let startedAt: String
        let calls: [Call]
        let tasks: Int
        let seconds: Double
        let tasksPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case kind, probe, calls, tasks, seconds
            case startedAt = "started_at"
            case tasksPerSecond = "tasks_per_second"
        }
    }

    /// Makes the calls at once and records the round; each call is an attempt of the loop's round.
    func round(spawn: (sending @escaping @Sendable () async -> Void) -> Void) async -> ProbeRound<HTTPProbeReason> {
        let round = await calls()
        return ProbeRound(attempts: round.calls.count, failures: round.calls.compactMap(\.failure), latency: nil)
    }

    /// Makes the calls at once and records them; returns the round.
    @discardableResult
    func calls() async -> Round {
        let startedAt = Date()
        let started = ContinuousClock.now
        let calls = await withTaskGroup(of: Call.self) { group in
            for _ in 0..<config.concurrency {
                group.addTask { await self.call() }
            }
            return await group.reduce(into: [Call]()) { $0.append($1) }
        }
        let wall = DurationSyntax.seconds(ContinuousClock.now - started)
        let tasks = calls.map(\.tasks).reduce(0, +)
        let rate = wall > 0 ? Double(tasks) / wall : 0
        let round = Round(
            probe: config.name, startedAt: Timestamp.rfc3339(startedAt), calls: calls, tasks: tasks, seconds: wall, tasksPerSecond: rate)
        guard !Task.isCancelled else { return round }
        await context.results.append(round)
        context.metrics.ingestRate(probe: config.name).set(to: rate)
        let failed = calls.filter { $0.error != nil }
        status.round(.init(startedAt: round.startedAt, tasks: tasks, seconds: wall, tasksPerSecond: rate, failedCalls: failed.count))
        context.recorder?.ingestionRound(probe: config.name, tasks: tasks, tasksPerSecond: rate, failedCalls: failed.count)
        context.logger.info(
            "ingestion round",
            metadata: ["probe": "\(config.name)", "round": "\(rounds.value.add(1, ordering: .relaxed).newValue)", "tasks": "\(tasks)", "tasks_per_second": "\(rate)", "failed_calls": "\(failed.count)"])
        return round
    }

    private func call() async -> Call {
        let exchange = await ProbeExchange.send(request.render(), expecting: config.request.expectStatus, on: context.client)
        let seconds = DurationSyntax.seconds(exchange.took)
        var failure = exchange.failure.map { exchange.failure($0) }
        var tasks = 0
        if failure == nil {
            if let document = exchange.json, let count = config.countPath.number(in: document), count >= 0, count == count.rounded() {
                tasks = Int(count)
            } else {
                failure = exchange.failure(.parse, detail: "no whole number of tasks at \(config.countPath)")
            }
        }
        if !Task.isCancelled {
            context.metrics.ingestedTasks(probe: config.name).record(Double(tasks))
            context.metrics.ingestDuration(probe: config.name).record(seconds)
        }
        return Call(tasks: tasks, seconds: seconds, error: failure?.reason.label, status: exchange.outcome.status, failure: failure)
    }
}
