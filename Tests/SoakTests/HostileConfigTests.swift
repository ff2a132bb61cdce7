import Foundation
import PropertyBased
@testable import Soak
import SoakConfig
import Testing
import Yams

/// Configs a careless or hostile hand writes: every value that reaches arithmetic replaced by an
/// extreme. Each config is either refused at load with its problems, or loads and then survives the
/// arithmetic soak does with it while running (schedules, weights, user layout, pool slices, waits,
/// rendering, hold timelines). A trap here would end the test run, as it once ended a running soak.
@Suite("Hostile config values are refused at load or run safely")
struct HostileConfigTests {
    /// Values of each kind that must be refused wherever they stand.
    static let extremes = (
        numbers: [
            "-1", "100001", "1000001", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "99999999999999999999", "1e308",
            "nan", "inf", "0.5", "-0",
        ],
        durations: ["0ms..1s", "1h1ms", "1d1ms", "8d", "36500d", "99999999999d", "999999999999d", "-1s"],
        rates: ["0.9/h", "0.0000001/h", "10001/s", "1000000/s", "1e308/s", "0/s"],
        ranges: ["-9223372036854775808..9223372036854775807", "0..1000000", "5..1"],
        waits: ["0ms..99999999999d", "1d..1d1ms", "2d"],
        shares: ["100%", "-1%", "nan"])
    /// Every value, for the mutation test.
    static let everything =
        extremes.numbers + extremes.durations + extremes.rates + extremes.ranges + extremes.waits + extremes.shares
        + ["0", "1", "100000", "1ms", "1h", "1d", "7d", "1/h", "10000/s", "1..1000", "9223372036854775806..9223372036854775807", "1ms..1d", "99%"]

    /// A config with every knob at a value that loads but sits at or near its limit (the run-time
    /// arithmetic must hold for it), or, one pick in fifty, at an extreme that must be refused.
    static func config(_ picks: [Int]) -> String {
        var slot = 0
        func next(_ sane: [String], _ extreme: [String]) -> String {
            defer { slot += 1 }
            let pick = picks[slot % picks.count]
            return pick < 980 ? sane[pick % sane.count] : extreme[pick % extreme.count]
        }
        let (number, duration, rate, range, wait, share) = (
            extremes.numbers, extremes.durations, extremes.rates, extremes.ranges, extremes.waits, extremes.shares
        )
        let bigRanges = ["1..1000", "9223372036854775806..9223372036854775807", "-9223372036854775808..-9223372036854775807", "0..0"]
        return """
            targets:
              api: { url: "http://127.0.0.1:9", timeout: "\(next(["1s", "1h"], duration))", connect_timeout: "\(next(["1ms", "1s"], duration))", max_response_bytes: "\(next(["0", "67108864"], number))" }
            scenarios:
              - name: open
                target: api
                rate: "\(next(["1/h", "0.5/s", "10000/s"], rate))"
                max_in_flight: "\(next(["1", "10000"], number))"
                pools:
                  ids: { range: "\(next(bigRanges, range))", per_user: "\(next(["1", "1000000"], number))" }
                requests:
                  - { name: a, path: "/a/{{ pool \\"ids\\" }}/{{ randint \(next(["-9223372036854775808", "0"], number)) \(next(["9223372036854775807", "0"], number)) }}", weight: "\(next(["0", "1000000"], number))" }
                  - { name: b, path: "/b?t={{ now \\"-\(next(["1ms", "36500d"], duration))\\" }}", weight: "\(next(["1", "1000000"], number))", timeout: "\(next(["1ms", "1h"], duration))" }
              - name: closed
                target: api
                user_count: "\(next(["7", "100000"], number))"
                ramp_up: "\(next(["0s", "1d"], duration))"
                users:
                  - { name: heavy, weight: "\(next(["1", "1000000"], number))", wait: "\(next(["0ms", "1ms..1d", "1d..1d", "1d"], wait))" }
                  - { name: fixed, count: "\(next(["0", "7"], number))", pacing: "\(next(["1ms", "1d"], duration))" }
                pools:
                  ids: { range: "\(next(bigRanges, range))", per_user: "\(next(["1", "1000000"], number))", overlap: "\(next(["0%", "99%", "0.999999", "1e-300"], share))" }
                requests:
                  - { name: a, path: "/a/{{ pool \\"ids\\" }}/{{ user.index }}", weight: "\(next(["1", "1000000"], number))" }
            tasks:
              - { name: t, target: api, every: "\(next(["1ms", "1d"], duration))", dispatch: { path: /t }, poll_interval: "\(next(["1ms", "1s"], duration))", timeout: "\(next(["1h", "7d"], duration))", max_in_progress: "\(next(["1", "10000"], number))" }
            ingestion:
              - { name: i, target: api, every: "\(next(["1ms", "1d"], duration))", concurrency: "\(next(["1", "100"], number))" }
            databases:
              - name: db
                dsn: "host=127.0.0.1 port=9"
                connect_timeout: "\(next(["1ms", "1h"], duration))"
                probes: { query: { every: "\(next(["1d", "1h"], duration))", timeout: "\(next(["1ms", "1h"], duration))" } }
                holds:
                  - { test: heartbeat, hold: "\(next(["1d", "7d"], duration))", interval: "\(next(["1ms", "1h"], duration))" }
            """
    }

    /// Each knob drawn from its own values; most configs load, so the run-time arithmetic is exercised.
    @Test func everyKnobAtItsLimitOrBeyond() async {
        let loaded = Counter()
        await propertyCheck(count: 400, input: Gen.int(in: 0...999).array(of: 37)) { picks in
            if Self.loadAndRun(Self.config(picks)) { loaded.add() }
        }
        #expect(loaded.value > 40, "only \(loaded.value) of 400 configs loaded; the run-time arithmetic was hardly exercised")
    }

    /// Every plain scalar of every example and valid testdata config, replaced by an extreme.
    @Test func mutatedExamplesAndTestdata() async throws {
        let files = try Self.validConfigs()
        let anything = Self.everything
        let loaded = Counter()
        await propertyCheck(
            count: 400, input: Gen.int(in: 0...(files.count - 1)), Gen.int(in: 0...10_000), Gen.int(in: 0...(anything.count - 1)).array(of: 1...2)
        ) { fileIndex, seed, picks in
            let (text, directory) = files[fileIndex]
            guard let mutated = Self.mutate(text, seed: seed, values: picks.map { anything[$0] }) else { return }
            if Self.loadAndRun(mutated, directory: directory) { loaded.add() }
        }
        #expect(loaded.value > 10, "only \(loaded.value) of 400 mutated configs loaded; the run-time arithmetic was hardly exercised")
    }

    /// The reproducers of the crashes found by hand, each refused with its own problem.
    @Test func crashReproducersAreRefused() throws {
        let text = try String(contentsOfFile: "\(repositoryRoot)/Tests/SoakConfigTests/testdata/limits-errors.yaml", encoding: .utf8)
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: text, file: "limits-errors.yaml", baseDirectory: "/", environment: [:])
        }
    }

    /// Loads `text` and, when it loads, does the run-time arithmetic with it; whether it loaded.
    @discardableResult
    static func loadAndRun(_ text: String, directory: String = "/") -> Bool {
        let environment = [
            "TARGET_URL": "http://127.0.0.1:9", "SANDBOX_URL": "http://127.0.0.1:9", "PULP_API_ROOT": "http://127.0.0.1:9", "PULP_USER": "soak",
            "PULP_PASSWORD": "pw", "RESULTS_FILE": "/dev/null", "PULP_DB_DSN": "host=127.0.0.1 port=9", "CASES_DSN": "host=127.0.0.1 port=9",
            "DIRECT_DSN": "host=127.0.0.1 port=9", "PROXY_DSN": "host=127.0.0.1 port=9",
        ]
        guard let config = try? ConfigLoader.parse(yaml: text, file: "hostile.yaml", baseDirectory: directory, environment: environment) else {
            return false
        }
        RuntimeArithmetic.exercise(config)
        return true
    }

    /// Counts across property-check cases.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.withLock { count } }
        func add() { lock.withLock { count += 1 } }
    }

    /// The example configs and the valid testdata configs, with the directory relative paths resolve against.
    static func validConfigs() throws -> [(String, String)] {
        let examples = "\(repositoryRoot)/examples"
        let testdata = "\(repositoryRoot)/Tests/SoakConfigTests/testdata"
        var files: [(String, String)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: examples).sorted() where name.hasSuffix(".yaml") {
            files.append((try String(contentsOfFile: "\(examples)/\(name)", encoding: .utf8), examples))
        }
        for name in ["full.yaml", "scenarios-valid.yaml", "probes-valid.yaml", "databases-valid.yaml"] {
            files.append((try String(contentsOfFile: "\(testdata)/\(name)", encoding: .utf8), testdata))
        }
        return files
    }

    /// `text` with a few of its plain scalars, chosen by `seed`, replaced by `values`.
    static func mutate(_ text: String, seed: Int, values: [String]) -> String? {
        guard let root = try? Yams.compose(yaml: text) else { return nil }
        var scalars: [(line: Int, column: Int, length: Int)] = []
        func walk(_ node: Node) {
            switch node {
            case .scalar(let scalar):
                if scalar.style == .plain, let mark = node.mark { scalars.append((mark.line, mark.column, scalar.string.utf8.count)) }
            case .mapping(let mapping):
                for (_, value) in mapping { walk(value) }
            case .sequence(let sequence):
                sequence.forEach(walk)
            case .alias:
                break
            }
        }
        walk(root)
        guard !scalars.isEmpty else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.utf8) }
        var chosen: [(line: Int, column: Int, length: Int, value: String)] = []
        for (offset, value) in values.enumerated() {
            let target = scalars[(seed &* 31 &+ offset &* 7919) % scalars.count]
            if !chosen.contains(where: { $0.line == target.line && $0.column == target.column }) {
                chosen.append((target.line, target.column, target.length, value))
            }
        }
        // Right to left within a line, so earlier columns stay where they were.
        for item in chosen.sorted(by: { ($0.line, $0.column) > ($1.line, $1.column) }) {
            let index = item.line - 1
            let start = item.column - 1
            guard index < lines.count, start + item.length <= lines[index].count else { continue }
            lines[index].replaceSubrange(start..<(start + item.length), with: Array("\"\(item.value)\"".utf8))
        }
        return lines.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
    }
}

/// The arithmetic a running soak does with a loaded config, done once for each value.
enum RuntimeArithmetic {
    static func exercise(_ config: SoakConfiguration) {
        for scenario in config.scenarios {
            var random = SeededRandom(seed: 7)
            if let picker = WeightedPicker(weights: scenario.requests.map(\.weight)) {
                for _ in 0..<20 { _ = picker.pick(using: &random) }
            }
            var pools: [String: [TemplateValue]] = [:]
            for pool in scenario.pools {
                switch pool.source {
                case .values(let values): pools[pool.name] = values
                case .sql(_, _, let fallback): pools[pool.name] = fallback
                case .http(let source): pools[pool.name] = source.fallback
                }
            }
            var scope = RenderScope(random: random, user: nil, pools: pools, now: Date())
            for request in scenario.requests {
                let request = PreparedRequest(request.request, target: scenario.target, connections: nil).render(&scope)
                _ = DurationSyntax.milliseconds(request.timeout)
                _ = DurationSyntax.milliseconds(request.connectTimeout)
            }
            switch scenario.workload {
            case .open(let model):
                var schedule = ArrivalSchedule(rate: model.rate, arrivals: model.arrivals, random: random)
                for _ in 0..<100 { _ = schedule.next() }
            case .closed(let model):
                let assignment = UserPlan.classAssignment(userCount: model.userCount, classes: model.classes)
                #expect(assignment.count == model.userCount)
                for index in [0, model.userCount / 2, model.userCount - 1] {
                    _ = UserPlan.startOffset(index: index, userCount: model.userCount, rampUp: model.rampUp)
                    for pool in scenario.pools {
                        _ = UserPlan.poolSlice(pools[pool.name] ?? [], perUser: pool.perUser, overlap: pool.overlap, index: index)
                    }
                }
                for userClass in model.classes {
                    for elapsed in [Duration.zero, .seconds(1), .seconds(3_600)] {
                        _ = UserPlan.pause(userClass.wait, elapsed: elapsed, using: &random)
                    }
                }
            }
        }
        for database in config.databases {
            for probe in database.probes {
                var schedule = ProbeSchedule(start: .now, every: probe.every)
                _ = schedule.next(after: .now + probe.every * 1_000)
            }
            for hold in database.holds {
                var plan = HoldPlan(connectedAt: .now, hold: hold.hold, interval: hold.interval)
                _ = plan.step(at: .now)
                plan.acted()
                _ = plan.step(at: .now + hold.hold)
            }
        }
        for probe in config.tasks {
            _ = ContinuousClock.now + probe.timeout
            _ = DurationSyntax.milliseconds(probe.pollInterval)
        }
    }
}
