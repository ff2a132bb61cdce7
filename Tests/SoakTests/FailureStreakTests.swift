import Foundation
@testable import Soak
import Testing

/// The failure log's rule, with the clock in the test's hands: one onset, a summary per interval,
/// one recovery after a quiet interval, never a line per outcome.
@Suite("Failure streaks (no sleeping)")
struct FailureStreakTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int64(seconds * 1_000)) }

    @Test func oneOnsetASummaryPerIntervalAndOneRecovery() {
        var streak = FailureStreak(interval: .seconds(60))
        #expect(streak.record(failure: nil, at: at(0)) == nil)
        #expect(streak.record(failure: "connect", at: at(1)) == .onset)
        var events: [FailureStreak.Event] = []
        // 58 connect failures and 2 successes within the first minute, then failures into the second.
        for second in 2...120 {
            let failure: String? = second == 30 || second == 31 ? nil : second == 45 ? "timeout" : "connect"
            if let event = streak.record(failure: failure, at: at(Double(second))) { events.append(event) }
        }
        // The first interval, from the onset at 1 s to 61 s: 61 outcomes, the two successes among them.
        #expect(events == [
            .stillFailing(failed: 59, attempts: 61, reasons: [.init(reason: "connect", count: 58), .init(reason: "timeout", count: 1)])
        ])
        // A success 30 s after the last failure keeps the streak open, and closes the second interval;
        // one a whole interval after the last failure ends the streak.
        #expect(streak.record(failure: nil, at: at(150)) == .stillFailing(failed: 59, attempts: 60, reasons: [.init(reason: "connect", count: 59)]))
        #expect(streak.record(failure: nil, at: at(181)) == .recovered(failedFor: .seconds(119), failures: 118))
        #expect(!streak.isFailing)
        #expect(streak.record(failure: nil, at: at(182)) == nil)
        #expect(streak.record(failure: "status", at: at(200)) == .onset)
    }

    @Test func aSteadyTrickleOfFailuresIsOneStreakNotAFlicker() {
        var streak = FailureStreak(interval: .seconds(60))
        var onsets = 0
        var recoveries = 0
        for tenth in 0..<6_000 {
            // 100 requests a second for 10 minutes, one in twenty failing.
            let event = streak.record(failure: tenth % 20 == 0 ? "status" : nil, at: at(Double(tenth) / 10))
            if event == .onset { onsets += 1 }
            if case .recovered = event { recoveries += 1 }
        }
        #expect(onsets == 1)
        #expect(recoveries == 0)
    }

    @Test func samplesKeepTheLastDistinctFailuresBounded() {
        var samples = FailureSamples()
        for index in 0..<8 {
            samples.record(reason: "status", code: 500 + index, message: "HTTP \(500 + index)", body: "", at: .init(timeIntervalSince1970: Double(index)))
        }
        samples.record(reason: "status", code: 507, message: "HTTP 507", body: "again", at: .init(timeIntervalSince1970: 100))
        #expect(samples.samples.count == FailureSamples.limit)
        #expect(samples.newestFirst.first?.code == 507 && samples.newestFirst.first?.count == 2 && samples.newestFirst.first?.bodyExcerpt == "again")
        #expect(samples.newestFirst.map(\.code) == [507, 506, 505, 504, 503])
    }
}

/// The status page's live figures: log buckets within 10% of the exact quantile, a last minute that
/// forgets what is older.
@Suite("Live figures of the status page (no sleeping)")
struct RecentWindowTests {
    @Test func quantilesFromLogBucketsAreWithinTenPercent() throws {
        var histogram = LogHistogram()
        for index in 1...10_000 { histogram.record(seconds: Double(index) / 1_000_000) }  // 1 µs to 10 ms
        for (quantile, exact) in [(0.5, 0.005), (0.95, 0.0095), (0.99, 0.0099)] {
            let value = try #require(histogram.value(atQuantile: quantile))
            #expect(abs(value - exact) / exact < 0.1, "p\(quantile): \(value) against \(exact)")
        }
        #expect(LogHistogram().value(atQuantile: 0.5) == nil)
    }

    @Test func theLastMinuteForgetsOlderSlots() {
        var window = RecentWindow()
        for second in 0..<120 {
            window.record(latency: second < 60 ? 1 : 0.001, failed: second < 60, elapsed: Double(second) + 0.5)
        }
        // The current ten-second slot and the five before it: 60 to 119.9 s.
        let minute = window.lastMinute(elapsed: 119.9)
        #expect(minute.count == 60 && minute.failures == 0)
        #expect(abs(minute.seconds - 59.9) < 1e-9)
        #expect(abs((minute.latency.value(atQuantile: 0.99) ?? 0) - 0.001) < 0.0002)
        let total = window.total(elapsed: 120)
        #expect(total.count == 120 && total.failures == 60 && total.failureRatio == 0.5)
    }
}
