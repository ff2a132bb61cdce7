internal import Foundation
internal import SoakConfig

/// One intended send of an open-model scenario: its global index (`arrival.index`) and when, as an
/// offset from the schedule's start.
struct Arrival: Equatable {
    let index: Int64
    let offset: Duration
}

/// The intended send times of an open-model scenario, as offsets from its start: evenly spaced
/// (`constant`) or with exponential gaps (`poisson`), both at the configured mean rate. A value type
/// that reads no clock: the wall-clock time it starts at is given.
///
/// Sharded (`--shard I/N`), the schedule is global and anchored to Unix time, so the shards agree on it
/// without talking: constant arrival `k` is due `k / rate` seconds after Unix time 0; Poisson arrivals
/// are drawn period by period (``poissonPeriod``, starting at multiples of it in Unix time), each
/// period's from the seed and the period's number, so every shard draws the same sequence. Shard `I`
/// sends the arrivals whose index is `I` modulo `N` (for Poisson, the index within the period), from
/// the first one due at or after its start: a shard that restarts rejoins its stripe.
struct ArrivalSchedule {
    /// Poisson arrivals of a sharded scenario restart every period; a Poisson process is memoryless,
    /// so the restarts change nothing about it. Their global index is `period × 10⁹ + index in period`.
    static let poissonPeriod: Int64 = 60
    static let poissonIndexStride: Int64 = 1_000_000_000

    private let rate: Double
    private let meanGapSeconds: Double
    private let poisson: Bool
    private let shard: Shard
    private var random: SeededRandom
    /// The next arrival's index: global when sharded (within its period for Poisson).
    private var index: Int64 = 0
    /// Poisson: seconds from the start of the period (sharded) or of the schedule to the last arrival.
    private var poissonOffset: Double = 0
    /// Sharded: the first arrival this schedule gives and its offset; later ones count from it, exactly.
    private var anchor = Arrival(index: 0, offset: .zero)
    /// Sharded Poisson: the current period and how far its start lies from the schedule's start.
    private var period: Int64 = 0
    private var periodStart = Duration.zero
    private let seed: SeededRandom

    /// `random` drives the Poisson gaps; sharded, it must be the same on every shard. `wallClock` is
    /// when the schedule starts, since Unix time 0; it matters only to a sharded schedule.
    init(rate: Rate, arrivals: ScenarioConfig.OpenModel.Arrivals, random: SeededRandom, shard: Shard = .whole, wallClock: Duration = .zero) {
        self.rate = rate.perSecond
        meanGapSeconds = 1 / rate.perSecond
        poisson = arrivals == .poisson
        self.shard = shard
        self.random = random
        seed = random
        guard !shard.isWhole else { return }
        let (whole, attoseconds) = wallClock.components
        let wallSeconds = Double(whole) + Double(attoseconds) / 1e18
        if poisson {
            period = whole >= 0 ? whole / Self.poissonPeriod : (whole + 1) / Self.poissonPeriod - 1
            periodStart = .seconds(period * Self.poissonPeriod) - wallClock
            startPeriod()
            // Skip what was due before the start; the draws stay those of every other shard.
            while true {
                let arrival = peekPoisson()
                if arrival.offset >= .zero { break }
                advancePoisson()
            }
        } else {
            let first = Int64((wallSeconds * self.rate).rounded(.up))
            let count = Int64(shard.count)
            let aligned = first + ((Int64(shard.index) - first) % count + count) % count
            index = aligned
            anchor = Arrival(index: aligned, offset: Self.duration(seconds: Double(aligned) * meanGapSeconds - wallSeconds))
        }
    }

    /// The next intended send of this shard.
    mutating func next() -> Arrival {
        if shard.isWhole {
            defer { index += 1 }
            guard poisson else { return Arrival(index: index, offset: Self.duration(seconds: Double(index) * meanGapSeconds)) }
            let uniform = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
            poissonOffset += -log(uniform) * meanGapSeconds
            return Arrival(index: index, offset: Self.duration(seconds: poissonOffset))
        }
        if poisson {
            let arrival = peekPoisson()
            advancePoisson()
            return arrival
        }
        // Constant: computed from the first arrival's offset and the count since, so no rounding
        // error accumulates over weeks.
        defer { index += Int64(shard.count) }
        return Arrival(index: index, offset: anchor.offset + Self.duration(seconds: Double(index - anchor.index) * meanGapSeconds))
    }

    /// Sharded Poisson: the period's first draw.
    private mutating func startPeriod() {
        random = seed.derived(Int(truncatingIfNeeded: period))
        index = -1
        poissonOffset = 0
        drawPoisson()
    }

    /// Sharded Poisson: the next arrival of the period (any shard's), moving to the next period past its end.
    private mutating func drawPoisson() {
        while true {
            let uniform = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
            poissonOffset += -log(uniform) * meanGapSeconds
            index += 1
            if poissonOffset < Double(Self.poissonPeriod) { return }
            period += 1
            periodStart += .seconds(Self.poissonPeriod)
            random = seed.derived(Int(truncatingIfNeeded: period))
            index = -1
            poissonOffset = 0
        }
    }

    /// Sharded Poisson: the draws up to this shard's next arrival.
    private mutating func alignPoisson() {
        while !shard.owns(index) { drawPoisson() }
    }

    private mutating func peekPoisson() -> Arrival {
        alignPoisson()
        return Arrival(index: period * Self.poissonIndexStride + index, offset: periodStart + Self.duration(seconds: poissonOffset))
    }

    private mutating func advancePoisson() {
        drawPoisson()
        alignPoisson()
    }

    /// The seed of a sharded schedule whose scenario has none: FNV-1a 64 of its name, the same on every shard.
    static func seed(naming name: String) -> UInt64 {
        name.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
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
