import Foundation
@testable import SoakConfig
import Testing

@Suite("Sharding: --shard I/N and where it comes from, shards: all, and the config each shard runs")
struct ShardConfigTests {
    @Test func eachShardRunsItsShareAndProbesRunOnShardZeroUnlessAll() throws {
        let config = try load("shards-valid.yaml")
        #expect(config.forShard(.whole).shard == .whole)
        #expect(config.forShard(.whole).databases.map(\.name) == ["direct", "everywhere"])

        let zero = config.forShard(try Shard.parse("0/3").get())
        #expect(zero.databases.map(\.name) == ["direct", "everywhere"])
        #expect(zero.ingestion.map(\.name) == ["once", "each"])
        #expect(zero.tasks.map(\.name) == ["cleanup"])
        #expect(zero.jsonValues.map(\.name) == ["status"])

        let two = try Shard.parse("2/3").get()
        let other = config.forShard(two)
        #expect(other.shard == two)
        #expect(other.databases.map(\.name) == ["everywhere"])
        #expect(other.ingestion.map(\.name) == ["each"])
        #expect(other.tasks.isEmpty)
        #expect(other.jsonValues.map(\.name) == ["status"])
        // Every shard runs every scenario, knowing its shard; a rate threshold is judged on the shard's share.
        #expect(other.scenarios.map(\.name) == ["browse", "users"])
        #expect(other.scenarios.allSatisfy { $0.shard == two })
        #expect(other.scenarios[0].thresholds == [.latency(quantile: 0.95, below: .milliseconds(500)), .rate(above: 90)])
        #expect(other.scenarios[0].requests[1].thresholds == [.latency(quantile: 0.99, below: .seconds(1)), .rate(above: 10)])
        #expect(config.scenarios[0].thresholds == [.latency(quantile: 0.95, below: .milliseconds(500)), .rate(above: 270)])
    }

    @Test func shardsIsShownAndLoadsBack() throws {
        let config = try load("shards-valid.yaml")
        let again = try ConfigLoader.parse(yaml: config.redactedYAML, file: "redacted.yaml", baseDirectory: "/", environment: [:])
        #expect(again.databases.map(\.shards) == [.first, .all])
        #expect(again.ingestion.map(\.shards) == [.first, .all])
        #expect(again.tasks.map(\.shards) == [.first])
        #expect(again.jsonValues.map(\.shards) == [.all])
    }

    @Test func badShardEntriesAreReportedWithTheirPlaceAndFix() {
        do {
            _ = try load("shard-errors.yaml")
            Issue.record("shard-errors.yaml loaded")
        } catch {
            #expect(error.problems.map(\.description) == [
                #"shard-errors.yaml:10:29: scenarios[0].requests[0].path: in template "/home/?arrival={{ arrival.index }}": arrival.index needs an open-model schedule; use it in a scenario with rate"#,
                #"shard-errors.yaml:13:29: databases[0].shards: expected all (run on every shard) or 0 (run on shard 0 only, the default), found "every""#,
                #"shard-errors.yaml:16:41: ingestion[0].shards: expected all (run on every shard) or 0 (run on shard 0 only, the default), found "1""#,
                "shard-errors.yaml:19:75: tasks[0].shards: expected all or 0, found a list",
                #"shard-errors.yaml:22:110: unknown key "shard" in json_values[0]; did you mean "shards"? (valid keys: name, target, every, shards, request, values)"#,
            ])
        }
    }

    struct ResolveCase: CustomTestStringConvertible, Sendable {
        var flag: String?
        var count: Int?
        var fromHostname = false
        var environment: [String: String] = [:]
        var hostname = "soak-worker"
        let expected: String
        var testDescription: String { expected }
    }

    static let resolveCases: [ResolveCase] = [
        ResolveCase(expected: "0/1"),
        ResolveCase(flag: "1/3", expected: "1/3"),
        ResolveCase(flag: "1/3", environment: ["SOAK_SHARD": "2/3"], expected: "1/3"),
        ResolveCase(environment: ["SOAK_SHARD": "2/3"], expected: "2/3"),
        ResolveCase(count: 4, environment: ["SOAK_SHARD_INDEX": "3"], expected: "3/4"),
        ResolveCase(environment: ["SOAK_SHARD_COUNT": "5", "JOB_COMPLETION_INDEX": "4"], expected: "4/5"),
        ResolveCase(count: 3, fromHostname: true, hostname: "soak-2", expected: "2/3"),
        ResolveCase(flag: "3/3", expected: "--shard: shard 3 is not one of 3: the shards of 3 are 0/3 to 2/3"),
        ResolveCase(flag: "1-3", expected: #"--shard: expected I/N such as 0/3 (this process is shard I of N, counting from 0), found "1-3""#),
        ResolveCase(flag: "0/0", expected: "--shard: the number of shards must be from 1 to 1000, found 0"),
        ResolveCase(flag: "-1/3", expected: #"--shard: expected I/N such as 0/3 (this process is shard I of N, counting from 0), found "-1/3""#),
        ResolveCase(environment: ["SOAK_SHARD": "2 of 3"], expected: #"SOAK_SHARD: expected I/N such as 0/3 (this process is shard I of N, counting from 0), found "2 of 3""#),
        ResolveCase(count: 3, environment: ["SOAK_SHARD": "2/3"], expected: "SOAK_SHARD is set, and so is --shard.count or --shard.from-hostname; give one of them"),
        ResolveCase(count: 3, expected: "--shard.count 3 needs the shard's index: set SOAK_SHARD_INDEX (a StatefulSet's pod index through the downward API), run in an Indexed Job (JOB_COMPLETION_INDEX), or pass --shard.from-hostname"),
        ResolveCase(count: 3, environment: ["SOAK_SHARD_INDEX": "3"], expected: "SOAK_SHARD_INDEX: shard 3 is not one of 3: the shards of 3 are 0/3 to 2/3"),
        ResolveCase(count: 3, environment: ["SOAK_SHARD_INDEX": "x"], expected: #"SOAK_SHARD_INDEX: expected a shard index such as 0, found "x""#),
        ResolveCase(environment: ["SOAK_SHARD_COUNT": "three", "SOAK_SHARD_INDEX": "0"], expected: #"SOAK_SHARD_COUNT: expected the number of shards, such as 3, found "three""#),
        ResolveCase(fromHostname: true, hostname: "soak-1", expected: "--shard.from-hostname needs the number of shards: --shard.count N"),
        ResolveCase(count: 3, fromHostname: true, hostname: "worker7", expected: #"--shard.from-hostname: the hostname "worker7" does not end in -ORDINAL as a StatefulSet's pods do (soak-0, soak-1, …); give --shard I/N instead"#),
        ResolveCase(count: 2, fromHostname: true, hostname: "soak-2", expected: "--shard.from-hostname (hostname soak-2): shard 2 is not one of 2: the shards of 2 are 0/2 to 1/2"),
        ResolveCase(flag: "0/1001", expected: "--shard: the number of shards must be from 1 to 1000, found 1001"),
    ]

    @Test(arguments: resolveCases) func theShardComesFromTheFlagTheEnvironmentOrTheHostname(_ item: ResolveCase) {
        let result = Shard.resolve(flag: item.flag, count: item.count, fromHostname: item.fromHostname, environment: item.environment, hostname: item.hostname)
        switch result {
        case .success(let shard): #expect(shard.description == item.expected)
        case .failure(let error): #expect(error.message == item.expected)
        }
    }

    @Test func ownershipIsTheIndexModuloTheCount() throws {
        let shard = try Shard.parse("1/3").get()
        #expect((0..<9).filter { shard.owns(Int64($0)) } == [1, 4, 7])
        #expect(Shard.whole.owns(12345))
        #expect(shard.owns(-2))
    }
}
