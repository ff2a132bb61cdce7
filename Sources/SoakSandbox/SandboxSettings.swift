internal import Foundation
internal import SoakConfig

/// How the sandbox behaves: its plain endpoints' latency and errors, its tasks' durations and
/// failures, and how fast its ingestion endpoint dispatches.
struct SandboxSettings: Sendable {
    /// A range of durations drawn from uniformly (`a..b`), or one duration.
    struct DurationRange: Sendable, Equatable {
        let low: Duration
        let high: Duration

        init(low: Duration, high: Duration) {
            self.low = low
            self.high = high
        }

        /// Parses `250ms` or `100ms..2s`; nil when the text is neither.
        init?(parsing text: String) {
            let parts = text.components(separatedBy: "..")
            guard parts.count <= 2, let low = DurationSyntax.parse(parts[0]) else { return nil }
            let high = parts.count == 2 ? DurationSyntax.parse(parts[1]) : low
            guard let high, high >= low else { return nil }
            self.init(low: low, high: high)
        }

        func draw() -> Duration {
            guard high > low else { return low }
            let span = DurationSyntax.seconds(high - low)
            return low + .seconds(Double.random(in: 0...span))
        }
    }

    /// Latency of the plain endpoints.
    var latency = DurationRange(low: .milliseconds(5), high: .milliseconds(20))
    /// Share of plain-endpoint requests answered 500.
    var errorRate = 0.0
    /// How long an orphan-cleanup task runs.
    var taskDuration = DurationRange(low: .milliseconds(200), high: .seconds(1))
    /// Share of orphan-cleanup tasks that fail.
    var taskFailureRate = 0.0
    /// How long one call of the task-ingestion endpoint keeps dispatching (Pulp's is 25 s).
    var ingestionWindow = Duration.seconds(25)
    /// The least time one dispatch takes in the ingestion endpoint, so the sandbox ingests at a
    /// Pulp-like pace (about 100 tasks a second per call at 10ms) rather than as fast as a local PostgreSQL allows.
    var dispatchTime = Duration.milliseconds(10)
    /// Number of worker loops running tasks.
    var workers = 2
    /// Basic-auth credentials the Pulp-shaped routes require; nil for none.
    var credentials: (username: String, password: String)?
    /// How long after its last heartbeat a worker still counts as online (Pulp's WORKER_TTL); workers
    /// heartbeat three times within it.
    var workerTTL = Duration.seconds(30)
    /// How long finished tasks are kept before the workers delete them.
    var taskRetention = Duration.seconds(3600)
}
