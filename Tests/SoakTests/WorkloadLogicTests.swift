@testable import Soak
@testable import SoakConfig
import Testing

@Suite("Workload logic: arrivals, weights, user classes, waits, pool slices (no sleeping)")
struct WorkloadLogicTests {
    @Test func constantArrivalsAreEvenlySpacedWithoutDrift() {
        var schedule = ArrivalSchedule(rate: Rate("3/s")!, arrivals: .constant, random: SeededRandom(seed: 1))
        let first = (0..<4).map { _ in schedule.next().offset }
        #expect(first == [.zero, .nanoseconds(333_333_333), .nanoseconds(666_666_667), .seconds(1)])
        for _ in 4..<3_000_000 { _ = schedule.next() }
        // After a million seconds' worth of arrivals the offset is still exact to the nanosecond.
        #expect(schedule.next() == Arrival(index: 3_000_000, offset: .seconds(1_000_000)))
    }

    @Test func poissonArrivalsHaveTheMeanRateAndExponentialGaps() {
        var schedule = ArrivalSchedule(rate: Rate("100/s")!, arrivals: .poisson, random: SeededRandom(seed: 42))
        var previous = Duration.zero
        var gaps: [Double] = []
        for _ in 0..<20_000 {
            let next = schedule.next().offset
            gaps.append(DurationSyntax.seconds(next - previous))
            previous = next
        }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let variance = gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)
        #expect(abs(mean - 0.01) < 0.0003)
        // An exponential distribution's standard deviation equals its mean.
        #expect(abs(variance.squareRoot() / mean - 1) < 0.05)
        #expect(gaps.allSatisfy { $0 >= 0 })
    }

    @Test func weightedPickerFollowsTheWeights() throws {
        let picker = try #require(WeightedPicker(weights: [3, 4, 2, 0, 1]))
        var random = SeededRandom(seed: 7)
        var counts = [0, 0, 0, 0, 0]
        for _ in 0..<100_000 { counts[picker.pick(using: &random)] += 1 }
        #expect(counts[3] == 0)
        for (index, weight) in [3, 4, 2, 0, 1].enumerated() where weight > 0 {
            let share = Double(counts[index]) / 100_000
            #expect(abs(share - Double(weight) / 10) < 0.01, "index \(index): \(share)")
        }
        #expect(WeightedPicker(weights: [0, 0]) == nil)
    }

    static func userClass(_ name: String, weight: Int? = nil, count: Int? = nil) -> ScenarioConfig.UserClass {
        return ScenarioConfig.UserClass(name: name, weight: weight, count: count, wait: .constant(.seconds(1)), requests: nil)
    }

    @Test func usersAreSplitByWeightAndInterleaved() {
        let classes = [Self.userClass("heavy", weight: 1), Self.userClass("light", weight: 3)]
        let assignment = UserPlan.classAssignment(userCount: 20, classes: classes)
        #expect(assignment.filter { $0 == 0 }.count == 5)
        #expect(assignment.filter { $0 == 1 }.count == 15)
        // Any prefix (a ramp-up in progress) holds the classes in about the same proportion.
        #expect(assignment.prefix(4).filter { $0 == 0 }.count == 1)
        #expect(assignment.prefix(8).filter { $0 == 0 }.count == 2)
    }

    @Test func fixedCountsComeFirstAndWeightsShareTheRest() {
        let classes = [Self.userClass("admin", count: 2), Self.userClass("a", weight: 1), Self.userClass("b", weight: 1)]
        let assignment = UserPlan.classAssignment(userCount: 7, classes: classes)
        #expect(assignment.count == 7)
        #expect(assignment.filter { $0 == 0 }.count == 2)
        #expect(assignment.filter { $0 == 1 }.count + assignment.filter { $0 == 2 }.count == 5)
        #expect(abs(assignment.filter { $0 == 1 }.count - assignment.filter { $0 == 2 }.count) == 1)
    }

    @Test func rampUpSpreadsStartsEvenly() {
        #expect(UserPlan.startOffset(index: 0, userCount: 4, rampUp: .seconds(60)) == .zero)
        #expect(UserPlan.startOffset(index: 1, userCount: 4, rampUp: .seconds(60)) == .seconds(15))
        #expect(UserPlan.startOffset(index: 3, userCount: 4, rampUp: .seconds(60)) == .seconds(45))
        #expect(UserPlan.startOffset(index: 3, userCount: 4, rampUp: .zero) == .zero)
    }

    @Test func waitsStayInTheirBoundsAndPacingSubtractsTheRequestTime() {
        var random = SeededRandom(seed: 3)
        var pauses: [Duration] = []
        for _ in 0..<10_000 {
            pauses.append(UserPlan.pause(.between(.milliseconds(500), .seconds(1)), elapsed: .milliseconds(20), using: &random))
        }
        #expect(pauses.allSatisfy { $0 >= .milliseconds(500) && $0 <= .seconds(1) })
        let mean = pauses.map(DurationSyntax.seconds).reduce(0, +) / Double(pauses.count)
        #expect(abs(mean - 0.75) < 0.01)
        #expect(UserPlan.pause(.constant(.seconds(2)), elapsed: .seconds(5), using: &random) == .seconds(2))
        #expect(UserPlan.pause(.pacing(.seconds(5)), elapsed: .milliseconds(1_200), using: &random) == .milliseconds(3_800))
        #expect(UserPlan.pause(.pacing(.seconds(5)), elapsed: .seconds(7), using: &random) == .zero)
    }

    @Test func poolSlicesOverlapAsConfigured() {
        let values = (800...1000).map { TemplateValue.integer($0) }
        let first = UserPlan.poolSlice(values, perUser: 50, overlap: 0.3, index: 0)
        let second = UserPlan.poolSlice(values, perUser: 50, overlap: 0.3, index: 1)
        #expect(first.count == 50 && second.count == 50)
        #expect(first.first == .integer(800) && first.last == .integer(849))
        #expect(second.first == .integer(835))
        let shared = Set(first.map(\.description)).intersection(second.map(\.description))
        #expect(shared.count == 15)
        // Slices wrap around the pool rather than running off its end.
        let late = UserPlan.poolSlice(values, perUser: 50, overlap: 0.3, index: 5)
        #expect(late.count == 50)
        #expect(Set(late.map(\.description)).isSubset(of: Set(values.map(\.description))))
        #expect(UserPlan.poolSlice(values, perUser: nil, overlap: 0, index: 3).count == 201)
    }

    @Test func phaseTimingsComeFromCumulativeMarks() {
        let timings = PhaseTimings(
            newConnection: true, nameLookup: 100, connect: 300, appConnect: 1_300, preTransfer: 1_400, startTransfer: 5_400, total: 6_000)
        #expect(timings.resolve == .microseconds(100))
        #expect(timings.connect == .microseconds(200))
        #expect(timings.tls == .microseconds(1_000))
        #expect(timings.processing == .microseconds(4_000))
        #expect(timings.transfer == .microseconds(600))
        let plain = PhaseTimings(newConnection: false, nameLookup: 0, connect: 0, appConnect: 0, preTransfer: 50, startTransfer: 250, total: 300)
        #expect(plain.tls == .zero)
        #expect(plain.processing == .microseconds(200))
    }
}
