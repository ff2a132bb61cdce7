internal import Foundation
internal import SoakConfig

/// The intended send times of an open-model scenario, as offsets from its start: evenly spaced
/// (`constant`) or with exponential gaps (`poisson`), both at the configured mean rate.
struct ArrivalSchedule {
    private let meanGapSeconds: Double
    private let poisson: Bool
    private var random: SeededRandom
    private var index: Int64 = 0
    private var poissonOffset: Double = 0

    init(rate: Rate, arrivals: ScenarioConfig.OpenModel.Arrivals, random: SeededRandom) {
        meanGapSeconds = 1 / rate.perSecond
        poisson = arrivals == .poisson
        self.random = random
    }

    /// The next intended send time. Constant arrivals are computed from their index, so no rounding
    /// error accumulates over weeks.
    mutating func next() -> Duration {
        defer { index += 1 }
        guard poisson else { return Self.duration(seconds: Double(index) * meanGapSeconds) }
        let uniform = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
        poissonOffset += -log(uniform) * meanGapSeconds
        return Self.duration(seconds: poissonOffset)
    }

    static func duration(seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}

/// Picks an index with probability proportional to its weight.
struct WeightedPicker: Sendable {
    private let cumulative: [Int]

    /// nil when every weight is 0.
    init?(weights: [Int]) {
        var running = 0
        cumulative = weights.map { weight in
            running += max(0, weight)
            return running
        }
        guard running > 0 else { return nil }
    }

    func pick(using random: inout some RandomNumberGenerator) -> Int {
        let ticket = Int.random(in: 0..<cumulative.last!, using: &random)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > ticket { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
