internal import Foundation

/// Durations counted in log-spaced buckets, four per doubling from 1 µs to about 71 minutes, so a
/// quantile read from them is within about 10% of the exact value: small enough to keep several
/// per request of a large config, fine enough for the live status page. (A timed run's figures
/// come from exact HDR histograms instead.)
struct LogHistogram: Sendable {
    static let bucketsPerDoubling = 4.0
    static let bucketCount = 130
    private(set) var counts: [UInt64] = []
    private(set) var total: UInt64 = 0

    /// The bucket of a duration: 0 below 1 µs, then `ceil(log2(µs) × 4)`, the last one open-ended.
    static func bucket(seconds: Double) -> Int {
        let microseconds = seconds * 1e6
        guard microseconds > 1 else { return 0 }
        return min(bucketCount - 1, Int((log2(microseconds) * bucketsPerDoubling).rounded(.up)))
    }

    /// The geometric middle of a bucket, in seconds.
    static func middle(ofBucket index: Int) -> Double {
        guard index > 0 else { return 0.000_000_5 }
        return pow(2, (Double(index) - 0.5) / bucketsPerDoubling) / 1e6
    }

    mutating func record(seconds: Double) {
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.bucketCount) }
        counts[Self.bucket(seconds: seconds)] += 1
        total += 1
    }

    mutating func add(_ other: LogHistogram) {
        guard !other.counts.isEmpty else { return }
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.bucketCount) }
        for index in other.counts.indices { counts[index] += other.counts[index] }
        total += other.total
    }

    /// The duration below which `quantile` of the counted ones fall, in seconds; nil when none were counted.
    func value(atQuantile quantile: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, UInt64((quantile * Double(total)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return Self.middle(ofBucket: index) }
        }
        return Self.middle(ofBucket: Self.bucketCount - 1)
    }
}

/// Counts and latencies of one request (or probe) since start and over the last minute, kept in six
/// ten-second slots that are reused as time moves on. A value type: callers pass the elapsed time.
struct RecentWindow: Sendable {
    static let slotLength = 10.0
    static let slots = 6

    private struct Slot {
        var index = -1
        var count: UInt64 = 0
        var failures: UInt64 = 0
        var latency = LogHistogram()
    }

    /// Counts and latency of a stretch of time.
    struct Figures: Sendable, Equatable {
        var count: UInt64 = 0
        var failures: UInt64 = 0
        var seconds = 0.0
        var latency = LogHistogram()

        var ratePerSecond: Double? { seconds > 0 ? Double(count) / seconds : nil }
        var failureRatio: Double? { count > 0 ? Double(failures) / Double(count) : nil }

        static func == (lhs: Figures, rhs: Figures) -> Bool {
            lhs.count == rhs.count && lhs.failures == rhs.failures && lhs.seconds == rhs.seconds && lhs.latency.counts == rhs.latency.counts
        }
    }

    private var slots = Array(repeating: Slot(), count: slots)
    private var sinceStart = Figures()

    /// Counts one outcome `elapsed` seconds after start, with its latency if it has one.
    mutating func record(latency: Double?, failed: Bool, elapsed: Double) {
        let index = Int(elapsed / Self.slotLength)
        let position = index % Self.slots
        if slots[position].index != index { slots[position] = Slot(index: index) }
        slots[position].count += 1
        sinceStart.count += 1
        if failed {
            slots[position].failures += 1
            sinceStart.failures += 1
        }
        if let latency {
            slots[position].latency.record(seconds: latency)
            sinceStart.latency.record(seconds: latency)
        }
    }

    /// Everything since start, `elapsed` seconds of it.
    func total(elapsed: Double) -> Figures {
        var figures = sinceStart
        figures.seconds = elapsed
        return figures
    }

    /// The last minute: the current slot and the five before it (less at the start).
    func lastMinute(elapsed: Double) -> Figures {
        let current = Int(elapsed / Self.slotLength)
        var figures = Figures()
        for slot in slots where slot.index > current - Self.slots && slot.index <= current {
            figures.count += slot.count
            figures.failures += slot.failures
            figures.latency.add(slot.latency)
        }
        let oldest = max(0, current - Self.slots + 1)
        figures.seconds = elapsed - Double(oldest) * Self.slotLength
        return figures
    }
}
