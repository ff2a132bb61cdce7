internal import Histogram
import Synchronization

/// What a timed run (`soak run --duration`) records for its summary, beside the Prometheus
/// histograms (whose buckets are too coarse for a gate): every request's latency in an HdrHistogram
/// (1 µs to 1 h, 3 significant digits), its phases, its errors by reason, and a timeline of windows.
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

    /// A request's latency at `quantile` (0.95 for p95), in seconds; 0 when it has none.
    func latency(of key: String, at quantile: Double) -> Double {
        recordings.withLock { $0 }.first { "\($0.scenario)/\($0.request)" == key }?.snapshot.latency(at: quantile) ?? 0
    }

    /// Every request's figures, in the order the requests were first made.
    func figures(until end: ContinuousClock.Instant) -> [RequestFigures] {
        recordings.withLock { $0 }.map {
            $0.snapshot.figures(scenario: $0.scenario, request: $0.request, method: $0.method, duration: end - startedAt, window: window)
        }
    }

    /// Each scenario's requests added together (request `*`), in the order the scenarios were first seen.
    func scenarioFigures(until end: ContinuousClock.Instant) -> [RequestFigures] {
        let recordings = self.recordings.withLock { $0 }
        var scenarios: [String] = []
        for recording in recordings where !scenarios.contains(recording.scenario) { scenarios.append(recording.scenario) }
        return scenarios.map { scenario in
            var total = RecordingTally()
            let members = recordings.filter { $0.scenario == scenario }
            for recording in members { total.add(recording.snapshot) }
            let methods = Set(members.map(\.method))
            return total.figures(
                scenario: scenario, request: "*", method: methods.count == 1 ? methods.first ?? "" : "*", duration: end - startedAt, window: window)
        }
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
        let index = max(0, Int((instant - startedAt) / window))
        tally.withLock { $0.record(micros: micros, timings: timings, answered: answered, failureReason: failureReason, window: index) }
    }

    /// A copy of what was recorded so far.
    var snapshot: RecordingTally { tally.withLock { $0 } }
}

/// Counts, errors, latency and phase histograms, and the timeline of one request, or of a scenario's
/// requests added together.
struct RecordingTally: Sendable {
    private struct Window: Sendable {
        var count = 0
        var errors = 0
        var latency = Histogram<UInt32>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .two)
    }

    private var latency = Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)
    private var phases: [String: Histogram<UInt64>] = [:]
    private var count = 0
    private var errors = 0
    private var reasons: [String: Int] = [:]
    private var windows: [Window] = []

    mutating func record(micros: UInt64, timings: PhaseTimings, answered: Bool, failureReason: String?, window index: Int) {
        count += 1
        _ = latency.record(micros)
        timings.forEachMeasured(answered: answered) { phase, duration in
            _ = phases[phase, default: Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)]
                .record(RequestRecording.microseconds(duration))
        }
        if let failureReason {
            errors += 1
            reasons[failureReason, default: 0] += 1
        }
        while windows.count <= index { windows.append(Window()) }
        windows[index].count += 1
        if failureReason != nil { windows[index].errors += 1 }
        _ = windows[index].latency.record(micros)
    }

    /// Adds `other` in: counts summed, histograms merged window by window.
    mutating func add(_ other: RecordingTally) {
        count += other.count
        errors += other.errors
        latency.add(other.latency)
        for (phase, histogram) in other.phases {
            phases[phase, default: Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)]
                .add(histogram)
        }
        reasons.merge(other.reasons, uniquingKeysWith: +)
        while windows.count < other.windows.count { windows.append(Window()) }
        for (index, window) in other.windows.enumerated() {
            windows[index].count += window.count
            windows[index].errors += window.errors
            windows[index].latency.add(window.latency)
        }
    }

    /// The latency at `quantile` (0.95 for p95), in seconds; 0 when nothing was recorded.
    func latency(at quantile: Double) -> Double {
        latency.totalCount == 0 ? 0 : Double(latency.valueAtPercentile(quantile * 100)) / 1_000_000
    }

    func figures(scenario: String, request: String, method: String, duration: Duration, window: Duration) -> RequestFigures {
        let seconds = max(duration / .seconds(1), 0.001)
        func value(_ histogram: Histogram<UInt64>, _ percentile: Double) -> Double {
            histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1_000_000
        }
        let windowSeconds = window / .seconds(1)
        return RequestFigures(
            scenario: scenario, request: request, method: method, requests: count, errors: errors, ratePerSecond: Double(count) / seconds,
            errorRatio: count == 0 ? 0 : Double(errors) / Double(count),
            latency: .init(
                p50: value(latency, 50), p95: value(latency, 95), p99: value(latency, 99),
                max: latency.totalCount == 0 ? 0 : Double(latency.max) / 1_000_000),
            phaseP95: phases.mapValues { value($0, 95) }, errorsByReason: reasons,
            timeline: windows.enumerated().map { index, window in
                .init(
                    offsetSeconds: Double(index) * windowSeconds, requests: window.count, errors: window.errors,
                    ratePerSecond: Double(window.count) / windowSeconds,
                    p95Seconds: window.latency.totalCount == 0 ? nil : Double(window.latency.valueAtPercentile(95)) / 1_000_000)
            })
    }
}
