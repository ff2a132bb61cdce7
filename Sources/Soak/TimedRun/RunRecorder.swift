internal import Foundation
internal import Histogram
import Synchronization

/// What a timed run (`soak run --duration`) records for its summary, beside the Prometheus
/// histograms (whose buckets are too coarse for a gate): every request's latency in an HdrHistogram
/// (1 µs to 1 h, 3 significant digits), its phases, its errors by reason, its failures by reason, code
/// and message (exact counts), the bytes it received, and a timeline of windows.
final class RunRecorder: Sendable {
    let startedAt: ContinuousClock.Instant
    /// The timeline's resolution: the run's duration split in about 100 windows, at least a second each.
    let window: Duration
    private let recordings = Mutex<[RequestRecording]>([])

    init(startedAt: ContinuousClock.Instant, duration: Duration) {
        self.startedAt = startedAt
        self.window = max(.seconds(1), duration / 100)
    }

    /// The recording of one request of a scenario, made on first use.
    func request(scenario: String, request: String, method: String) -> RequestRecording {
        recordings.withLock { recordings in
            if let existing = recordings.first(where: { $0.scenario == scenario && $0.request == request }) { return existing }
            let recording = RequestRecording(scenario: scenario, request: request, method: method, recorder: self)
            recordings.append(recording)
            return recording
        }
    }

    /// Every request's recording so far, in the order the requests were first made.
    var tallies: [RunRecordings.Request] {
        recordings.withLock { $0 }.map { RunRecordings.Request(scenario: $0.scenario, request: $0.request, method: $0.method, tally: $0.snapshot) }
    }

    /// Every request's failures by reason, code and message, the most frequent first.
    func failures() -> [FailureFigures] {
        FailureFigures.sorted(tallies.flatMap { recording in
            recording.tally.failures.entries.map { key, entry in
                FailureFigures(
                    scenario: recording.scenario, request: recording.request, method: recording.method, reason: key.reason, code: key.code,
                    message: key.message, count: entry.count, firstSeen: Timestamp.rfc3339(entry.firstSeen),
                    lastSeen: Timestamp.rfc3339(entry.lastSeen))
            }
        })
    }
}

/// One request's recording; `record` is called from the HTTP client's thread.
final class RequestRecording: Sendable {
    let scenario: String
    let request: String
    let method: String
    private let startedAt: ContinuousClock.Instant
    private let window: Duration
    private let tally = Mutex(RecordingTally())

    /// One hour in microseconds: anything slower is recorded as an hour.
    static let highest: UInt64 = 3_600_000_000

    init(scenario: String, request: String, method: String, recorder: RunRecorder) {
        self.scenario = scenario
        self.request = request
        self.method = method
        self.startedAt = recorder.startedAt
        self.window = recorder.window
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        UInt64(clamping: max(1, min(Int64(highest), duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)))
    }

    func record(latency: Duration, timings: PhaseTimings, answered: Bool, failureReason: String?, at instant: ContinuousClock.Instant) {
        let micros = Self.microseconds(latency)
        let index = windowIndex(instant)
        tally.withLock { $0.record(micros: micros, timings: timings, answered: answered, failureReason: failureReason, window: index) }
    }

    /// What the failures table and Locust's CSV add to ``record(latency:timings:answered:failureReason:at:)``
    /// for the same request: the bytes received and, for a failure, its reason, code and message.
    func detail(responseBytes: Int, failure: FailureTally.Key?, at instant: ContinuousClock.Instant) {
        let index = windowIndex(instant)
        let now = Date()
        tally.withLock { tally in
            tally.add(responseBytes: responseBytes, window: index)
            if let failure { tally.failures.add(failure, at: now) }
        }
    }

    private func windowIndex(_ instant: ContinuousClock.Instant) -> Int {
        max(0, Int((instant - startedAt) / window))
    }

    /// A copy of what was recorded so far.
    var snapshot: RecordingTally { tally.withLock { $0 } }
}
