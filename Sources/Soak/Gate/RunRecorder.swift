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
        recordings.withLock { $0 }.first { "\($0.scenario)/\($0.request)" == key }?.latency(at: quantile) ?? 0
    }

    /// Every request's figures, in the order the requests were first made.
    func figures(until end: ContinuousClock.Instant) -> [RequestFigures] {
        recordings.withLock { $0 }.map { $0.figures(duration: end - startedAt) }
    }
}

/// One request's recording; `record` is called from the HTTP client's thread.
final class RequestRecording: Sendable {
    let scenario: String
    let request: String
    let method: String
    private let startedAt: ContinuousClock.Instant
    private let window: Duration
    private let state = Mutex(State())

    private struct State {
        var latency = Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)
        var phases: [String: Histogram<UInt64>] = [:]
        var count = 0
        var errors = 0
        var reasons: [String: Int] = [:]
        var windows: [Window] = []
    }

    private struct Window {
        var count = 0
        var errors = 0
        var latency = Histogram<UInt32>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .two)
    }

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

    func record(latency: Duration, phases: [(String, Duration)], failureReason: String?, at instant: ContinuousClock.Instant) {
        let micros = Self.microseconds(latency)
        let index = max(0, Int((instant - startedAt) / window))
        state.withLock { state in
            state.count += 1
            _ = state.latency.record(micros)
            for (phase, duration) in phases {
                _ = state.phases[phase, default: Histogram<UInt64>(highestTrackableValue: Self.highest, numberOfSignificantValueDigits: .three)]
                    .record(Self.microseconds(duration))
            }
            if let failureReason {
                state.errors += 1
                state.reasons[failureReason, default: 0] += 1
            }
            while state.windows.count <= index { state.windows.append(Window()) }
            state.windows[index].count += 1
            if failureReason != nil { state.windows[index].errors += 1 }
            _ = state.windows[index].latency.record(micros)
        }
    }

    func latency(at quantile: Double) -> Double {
        state.withLock { state in
            state.latency.totalCount == 0 ? 0 : Double(state.latency.valueAtPercentile(quantile * 100)) / 1_000_000
        }
    }

    func figures(duration: Duration) -> RequestFigures {
        state.withLock { state in
            let seconds = max(duration / .seconds(1), 0.001)
            func value(_ histogram: Histogram<UInt64>, _ percentile: Double) -> Double {
                histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1_000_000
            }
            let windowSeconds = window / .seconds(1)
            return RequestFigures(
                scenario: scenario, request: request, method: method, requests: state.count, errors: state.errors,
                ratePerSecond: Double(state.count) / seconds,
                errorRatio: state.count == 0 ? 0 : Double(state.errors) / Double(state.count),
                latency: .init(
                    p50: value(state.latency, 50), p95: value(state.latency, 95), p99: value(state.latency, 99),
                    max: state.latency.totalCount == 0 ? 0 : Double(state.latency.max) / 1_000_000),
                phaseP95: state.phases.mapValues { value($0, 95) }, errorsByReason: state.reasons,
                timeline: state.windows.enumerated().map { index, window in
                    .init(
                        offsetSeconds: Double(index) * windowSeconds, requests: window.count, errors: window.errors,
                        ratePerSecond: Double(window.count) / windowSeconds,
                        p95Seconds: window.latency.totalCount == 0 ? nil : Double(window.latency.valueAtPercentile(95)) / 1_000_000)
                })
        }
    }
}
