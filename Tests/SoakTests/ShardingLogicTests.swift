import Foundation
@testable import Soak
@testable import SoakConfig
import Testing

@Suite("Sharding logic: striped arrival schedules, users per shard (no sleeping; the wall clock is given)")
struct ShardingLogicTests {
    static let wall = Duration.seconds(1_700_000_000) + .milliseconds(123)

    static func shards(_ count: Int) -> [Shard] {
        (0..<count).map { try! Shard.make(index: $0, count: count).get() }
    }

    /// The first `count` arrivals of `shard` started at `wall`, as global index and time since Unix time 0.
    static func arrivals(_ rate: String, _ arrivals: ScenarioConfig.OpenModel.Arrivals, shard: Shard, wall: Duration, count: Int, seed: UInt64 = 9) -> [(index: Int64, at: Duration)] {
        var schedule = ArrivalSchedule(rate: Rate(rate)!, arrivals: arrivals, random: SeededRandom(seed: seed), shard: shard, wallClock: wall)
        return (0..<count).map { _ in
            let arrival = schedule.next()
            return (arrival.index, wall + arrival.offset)
        }
    }

    @Test func constantStripesMakeTheWholeRateWithEveryArrivalOnce() {
        // Three shards starting a little apart, as pods do.
        let union = Self.shards(3).enumerated().flatMap { position, shard in
            Self.arrivals("300/s", .constant, shard: shard, wall: Self.wall + .milliseconds(7 * position), count: 1_000)
        }
        let indices = union.map(\.index).sorted()
        #expect(Set(indices).count == indices.count)
        // Every arrival from the last shard's start to the first shard's end is there once.
        let first = Int64((Double(1_700_000_000) + 0.123 + 0.014) * 300) + 1
        let covered = indices.filter { $0 >= first && $0 < first + 2_900 }
        #expect(covered == Array(first..<(first + 2_900)))
        // Arrival k is due k/300 s after Unix time 0, so the union's gaps are a regular 1/300 s.
        for (index, at) in union {
            let due = Duration.seconds(index / 300) + .nanoseconds(Int64((Double(index % 300) / 300 * 1e9).rounded()))
            #expect(abs((at - due) / .nanoseconds(1)) < 1_000)
        }
        let byTime = union.sorted { $0.index < $1.index }.filter { $0.index >= first && $0.index < first + 2_900 }
        for (previous, next) in zip(byTime, byTime.dropFirst()) {
            #expect(abs((next.at - previous.at) / .nanoseconds(1) - 3_333_333) <= 1_000)
        }
        // A shard sends only its stripe, at N times the gap.
        let one = Self.arrivals("300/s", .constant, shard: Self.shards(3)[1], wall: Self.wall, count: 100)
        #expect(one.allSatisfy { $0.index % 3 == 1 })
        #expect(one.first.map { $0.at >= Self.wall } == true)
    }

    @Test func aShardThatRestartsRejoinsItsStripe() {
        let shard = Self.shards(4)[2]
        for arrivals in [ScenarioConfig.OpenModel.Arrivals.constant, .poisson] {
            let before = Self.arrivals("50/s", arrivals, shard: shard, wall: Self.wall, count: 4_000)
            // Restarted 41.5 s later (into another Poisson period), it sends exactly what it would have.
            let restart = Self.wall + .milliseconds(41_500)
            let after = Self.arrivals("50/s", arrivals, shard: shard, wall: restart, count: 200)
            let expected = before.filter { $0.at >= restart }.prefix(200)
            #expect(after.map(\.index) == expected.map(\.index), "\(arrivals)")
            // To the nanosecond for Poisson; constant offsets are computed from a new first arrival, within a microsecond.
            for (again, original) in zip(after, expected) {
                #expect(abs((again.at - original.at) / .nanoseconds(1)) < (arrivals == .poisson ? 1 : 1_000), "\(arrivals)")
            }
        }
    }

    @Test func poissonShardsDrawOneGlobalSequenceFromTheSeed() {
        let horizon = Self.wall + .seconds(300)
        func union(_ count: Int) -> [Int64: Duration] {
            var all: [Int64: Duration] = [:]
            for shard in Self.shards(count) {
                for arrival in Self.arrivals("100/s", .poisson, shard: shard, wall: Self.wall, count: 40_000 / count) where arrival.at < horizon {
                    #expect(all[arrival.index] == nil)
                    all[arrival.index] = arrival.at
                }
            }
            return all
        }
        let three = union(3)
        let two = union(2)
        // Split three ways or two ways, the arrivals are the same ones at the same instants.
        #expect(three == two)
        // Together at the configured mean rate (300 s at 100/s: 30 000 ± 3 standard deviations).
        #expect(abs(three.count - 30_000) < 520)
        let gaps = zip(three.values.sorted(), three.values.sorted().dropFirst()).map { ($1 - $0) / .seconds(1) }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let deviation = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
        #expect(abs(deviation / mean - 1) < 0.05)
        // Another seed, another sequence.
        let other = Self.arrivals("100/s", .poisson, shard: Self.shards(3)[0], wall: Self.wall, count: 10, seed: 10)
        #expect(other.map(\.at) != Self.arrivals("100/s", .poisson, shard: Self.shards(3)[0], wall: Self.wall, count: 10).map(\.at))
    }

    @Test func anUnshardedScheduleStartsAtItsStart() {
        var schedule = ArrivalSchedule(rate: Rate("3/s")!, arrivals: .constant, random: SeededRandom(seed: 1), wallClock: Self.wall)
        #expect((0..<3).map { _ in schedule.next() } == [
            Arrival(index: 0, offset: .zero), Arrival(index: 1, offset: .nanoseconds(333_333_333)), Arrival(index: 2, offset: .nanoseconds(666_666_667)),
        ])
    }

    @Test func closedUsersRunOnTheirShardWithTheirGlobalIdentity() throws {
        let yaml = """
            targets: { t: { url: "http://127.0.0.1:1" } }
            scenarios:
              - name: users
                target: t
                user_count: 10
                users: [{ name: default, weight: 1, wait: 1s }]
                credentials: { file: tokens.txt, kind: bearer }
                pools: { items: { values: [a, b, c, d, e, f, g, h, i, j, k, l], per_user: 2 } }
                requests: [{ name: home, path: "/?u={{ user.index }}" }]
            """
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-shard-users-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try (0..<10).map { "token-\($0)" }.joined(separator: "\n").write(to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse(yaml: yaml, file: "users.yaml", baseDirectory: directory.path, environment: [:])
        let pools: [String: [TemplateValue]] = ["items": "abcdefghijkl".map { .string(String($0)) }]
        func users(_ shard: Shard) -> [VirtualUser] {
            let scenario = config.forShard(shard).scenarios[0]
            guard case .closed(let model) = scenario.workload else { return [] }
            return VirtualUser.users(of: scenario, model: model, pools: pools, random: SeededRandom(seed: 5))
        }
        let whole = users(.whole)
        var seen: [Int] = []
        for shard in Self.shards(3) {
            for user in users(shard) {
                #expect(user.index % 3 == shard.index)
                let same = try #require(whole.first { $0.index == user.index })
                #expect(user.scope.user == same.scope.user)
                guard case .bearer(let token) = user.credential else {
                    Issue.record("user \(user.index) has no bearer token")
                    continue
                }
                #expect(token.value == "token-\(user.index)")
                #expect(user.scope.pools == same.scope.pools)
                seen.append(user.index)
            }
        }
        #expect(seen.sorted() == Array(0..<10))
        #expect(users(Self.shards(3)[0]).map(\.index) == [0, 3, 6, 9])
    }
}
