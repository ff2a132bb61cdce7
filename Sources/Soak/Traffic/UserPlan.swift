internal import SoakConfig

/// How a closed-model scenario's virtual users are laid out: which class each user belongs to,
/// when it starts during the ramp-up, and how long it waits between requests.
enum UserPlan {
    /// The class index of each user: fixed counts first, then weights by largest remainder, interleaved
    /// so that a ramp-up brings every class in proportionally.
    static func classAssignment(userCount: Int, classes: [ScenarioConfig.UserClass]) -> [Int] {
        var counts = classes.map { $0.count ?? 0 }
        let remaining = userCount - counts.reduce(0, +)
        let totalWeight = classes.compactMap(\.weight).reduce(0, +)
        if remaining > 0, totalWeight > 0 {
            var shares: [(index: Int, remainder: Double)] = []
            var given = 0
            for (index, userClass) in classes.enumerated() {
                guard let weight = userClass.weight else { continue }
                let exact = Double(remaining) * Double(weight) / Double(totalWeight)
                counts[index] += Int(exact)
                given += Int(exact)
                shares.append((index, exact - Double(Int(exact))))
            }
            for share in shares.sorted(by: { $0.remainder > $1.remainder || ($0.remainder == $1.remainder && $0.index < $1.index) })
                .prefix(remaining - given)
            {
                counts[share.index] += 1
            }
        }
        // Interleave: each round takes from every class still holding users, in proportion.
        var assignment: [Int] = []
        var taken = Array(repeating: 0, count: classes.count)
        while assignment.count < userCount {
            var best: Int?
            var bestProgress = Double.infinity
            for index in classes.indices where taken[index] < counts[index] {
                let progress = Double(taken[index]) / Double(counts[index])
                if progress < bestProgress {
                    bestProgress = progress
                    best = index
                }
            }
            guard let best else { break }
            assignment.append(best)
            taken[best] += 1
        }
        return assignment
    }

    /// When user `index` of `userCount` starts, spreading the starts evenly over `rampUp`.
    static func startOffset(index: Int, userCount: Int, rampUp: Duration) -> Duration {
        guard userCount > 1, rampUp > .zero else { return .zero }
        return rampUp * (Double(index) / Double(userCount))
    }

    /// The pause after a request that took `elapsed`.
    static func pause(_ wait: ScenarioConfig.Wait, elapsed: Duration, using random: inout some RandomNumberGenerator) -> Duration {
        switch wait {
        case .constant(let pause):
            return pause
        case .between(let low, let high):
            let span = (high - low) / .nanoseconds(1)
            return low + .nanoseconds(Int64(Double.random(in: 0...max(span, 0), using: &random)))
        case .pacing(let interval):
            return max(.zero, interval - elapsed)
        }
    }

    /// The slice of `values` user `index` draws from: `perUser` values starting `perUser * (1 - overlap)`
    /// after the previous user's, wrapping around, so neighbours share `overlap` of their slices.
    static func poolSlice(_ values: [TemplateValue], perUser: Int?, overlap: Double, index: Int) -> [TemplateValue] {
        guard let perUser, !values.isEmpty, perUser < values.count else { return values }
        let step = max(1, Int((Double(perUser) * (1 - overlap)).rounded()))
        let start = (index * step) % values.count
        return (0..<perUser).map { values[(start + $0) % values.count] }
    }
}
