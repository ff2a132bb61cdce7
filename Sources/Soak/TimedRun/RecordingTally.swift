internal import Foundation
internal import Histogram

/// Counts, errors, latency and phase histograms, bytes, failures and the timeline of one request, or
/// of several requests added together (a scenario, or the whole run).
struct RecordingTally: Sendable {
    /// One window of the timeline.
    struct Window: Sendable {
        var count = 0
        var errors = 0
        /// Microseconds, summed, for the mean.
        var latencySum: UInt64 = 0
        var responseBytes = 0
        var latency = Histogram<UInt32>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .two)
    }

    private(set) var latency = Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)
    private var phases: [String: Histogram<UInt64>] = [:]
    private(set) var count = 0
    private(set) var errors = 0
    /// Microseconds, summed, for the mean.
    private(set) var latencySum: UInt64 = 0
    private(set) var responseBytes = 0
    private var reasons: [String: Int] = [:]
    private(set) var windows: [Window] = []
    /// Exact counts by reason, code and message (bounded).
    var failures = FailureTally()

    mutating func record(micros: UInt64, timings: PhaseTimings, answered: Bool, failureReason: String?, window index: Int) {
        count += 1
        latencySum &+= micros
        _ = latency.record(micros)
        timings.forEachMeasured(answered: answered) { phase, duration in
            _ = phases[phase.rawValue, default: Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)]
                .record(RequestRecording.microseconds(duration))
        }
        if let failureReason {
            errors += 1
            reasons[failureReason, default: 0] += 1
        }
        growWindows(to: index)
        windows[index].count += 1
        windows[index].latencySum &+= micros
        if failureReason != nil { windows[index].errors += 1 }
        _ = windows[index].latency.record(micros)
    }

    mutating func add(responseBytes bytes: Int, window index: Int) {
        responseBytes &+= bytes
        growWindows(to: index)
        windows[index].responseBytes &+= bytes
    }

    private mutating func growWindows(to index: Int) {
        while windows.count <= index { windows.append(Window()) }
    }

    /// Adds `other` in: counts summed, histograms merged window by window (failures stay per request).
    mutating func add(_ other: RecordingTally) {
        count += other.count
        errors += other.errors
        latencySum &+= other.latencySum
        responseBytes &+= other.responseBytes
        latency.add(other.latency)
        for (phase, histogram) in other.phases {
            phases[phase, default: Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)]
                .add(histogram)
        }
        reasons.merge(other.reasons, uniquingKeysWith: +)
        if !other.windows.isEmpty { growWindows(to: other.windows.count - 1) }
        for (index, window) in other.windows.enumerated() {
            windows[index].count += window.count
            windows[index].errors += window.errors
            windows[index].latencySum &+= window.latencySum
            windows[index].responseBytes &+= window.responseBytes
            windows[index].latency.add(window.latency)
        }
    }

    /// The tally as the summary file keeps it, histograms in HdrHistogram's compressed encoding
    /// (failures are in the summary's failures table).
    func record() throws(HistogramEncoding.Failure) -> SummaryRecordings.Tally {
        var phaseRecords: [String: String] = [:]
        for (phase, histogram) in phases { phaseRecords[phase] = try HistogramEncoding.encode(histogram) }
        var windowRecords: [SummaryRecordings.Window] = []
        for window in windows {
            windowRecords.append(
                .init(
                    count: window.count, errors: window.errors, latencySumMicros: window.latencySum, responseBytes: window.responseBytes,
                    latency: try HistogramEncoding.encode(window.latency)))
        }
        return SummaryRecordings.Tally(
            count: count, errors: errors, latencySumMicros: latencySum, responseBytes: responseBytes, errorsByReason: reasons,
            latency: try HistogramEncoding.encode(latency), phases: phaseRecords, windows: windowRecords)
    }

    /// An empty tally.
    init() {}

    /// The tally a summary file kept.
    init(record: SummaryRecordings.Tally) throws(HistogramEncoding.Failure) {
        count = record.count
        errors = record.errors
        latencySum = record.latencySumMicros
        responseBytes = record.responseBytes
        reasons = record.errorsByReason
        latency = try HistogramEncoding.decode(record.latency)
        for (phase, text) in record.phases { phases[phase] = try HistogramEncoding.decode(text) }
        for window in record.windows {
            windows.append(
                Window(
                    count: window.count, errors: window.errors, latencySum: window.latencySumMicros, responseBytes: window.responseBytes,
                    latency: try HistogramEncoding.decode(window.latency)))
        }
    }

    /// The latency at `quantile` (0.95 for p95), in seconds; nil when nothing was recorded.
    func latency(at quantile: Double) -> Double? {
        latency.totalCount == 0 ? nil : Double(latency.valueAtPercentile(quantile * 100)) / 1_000_000
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
                max: latency.totalCount == 0 ? 0 : Double(latency.max) / 1_000_000,
                min: latency.totalCount == 0 ? nil : Double(latency.min) / 1_000_000,
                mean: count == 0 ? nil : Double(latencySum) / Double(count) / 1_000_000),
            phaseP95: phases.mapValues { value($0, 95) }, errorsByReason: reasons,
            responseBytes: responseBytes,
            timeline: windows.enumerated().map { index, window in
                .init(
                    offsetSeconds: Double(index) * windowSeconds, requests: window.count, errors: window.errors,
                    ratePerSecond: Double(window.count) / windowSeconds,
                    p95Seconds: window.latency.totalCount == 0 ? nil : Double(window.latency.valueAtPercentile(95)) / 1_000_000)
            })
    }
}

/// Exact counts of one request's failures by reason, code and message. At most ``distinctLimit``
/// distinct messages are kept; failures with further messages are counted by reason and code alone
/// (message nil), so every count stays exact and the memory bounded.
struct FailureTally: Sendable {
    /// What a failure is counted under.
    struct Key: Hashable, Sendable {
        let reason: String
        /// The `code` label: 0 for a transport failure, the status otherwise.
        let code: Int
        let message: String?
    }

    /// How often, and when first and last.
    struct Entry: Sendable {
        var count = 0
        var firstSeen: Date
        var lastSeen: Date
    }

    static let distinctLimit = 50
    private(set) var entries: [Key: Entry] = [:]
    private var distinctMessages = 0

    mutating func add(_ key: Key, at now: Date) {
        var key = Key(reason: key.reason, code: key.code, message: key.message.map(FailureMessage.normalized))
        if entries[key] == nil, key.message != nil {
            if distinctMessages >= Self.distinctLimit {
                key = Key(reason: key.reason, code: key.code, message: nil)
            } else {
                distinctMessages += 1
            }
        }
        entries[key, default: Entry(firstSeen: now, lastSeen: now)].count += 1
        entries[key]?.lastSeen = now
    }

    var total: Int { entries.values.reduce(0) { $0 + $1.count } }
}
