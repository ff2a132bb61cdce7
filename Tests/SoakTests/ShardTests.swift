import Foundation
@testable import Soak
import SoakPostgres
import Testing

@Suite("Three shards against one nginx: the whole rate, each arrival and user once, an exact merged verdict", .timeLimit(.minutes(3)))
struct ShardTests {
    @Test func threeShardsSendTheRateOnceAndMergeExactly() async throws {
        let nginx = try await Nginx(logRequests: true)
        let directory = try temporaryDirectory()
        let configPath = "\(directory)/soak.yaml"
        try """
            targets:
              nginx: { url: "\(nginx.baseURL)" }
            scenarios:
              - name: open
                target: nginx
                rate: 300/s
                max_in_flight: 10000
                thresholds: ["p99 < 30s", "rate > 200/s"]
                requests:
                  - { name: get, path: "/open", query: { a: "{{ arrival.index }}" } }
              - name: closed
                target: nginx
                user_count: 10
                users: [{ name: default, weight: 1, wait: 200ms }]
                thresholds: ["p99 < 30s"]
                requests:
                  - { name: get, path: "/closed", query: { u: "{{ user.index }}", s: "{{ session_id }}" } }
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let soak = Executables.soak
        let runs = await withTaskGroup(of: (Int, Command.Output?).self) { group in
            for shard in 0..<3 {
                group.addTask {
                    let output = await BlockingThread.run(name: "shard-\(shard)") {
                        try? Command.run(soak, [
                            "run", "--config.file", configPath, "--web.listen-address", "127.0.0.1:0", "--log.level", "warn", "--shard", "\(shard)/3",
                            "--duration", "6s", "--summary-file", "\(directory)/shard-\(shard).json",
                        ])
                    }
                    return (shard, output)
                }
            }
            return await group.reduce(into: [Int: Command.Output]()) { $0[$1.0] = $1.1 }
        }
        for shard in 0..<3 {
            let run = try #require(runs[shard] ?? nil)
            // Each shard judges its share (its rate threshold is a third); on a busy machine a latency may fail, never the run.
            #expect(run.status == 0 || run.status == 1, "shard \(shard): \(run.stderr)")
        }

        // Open model: every arrival index once, and between the last shard's first arrival and the first
        // shard's last one, every index: 300 arrivals per second of intended time, whatever the machine's load.
        let open = nginx.requests.compactMap { request -> Int64? in
            guard request.uri.hasPrefix("/open?a=") else { return nil }
            return Int64(request.uri.dropFirst("/open?a=".count))
        }
        #expect(Set(open).count == open.count, "an arrival was sent twice")
        let stripes = Dictionary(grouping: open) { Int($0 % 3) }
        #expect(stripes.keys.sorted() == [0, 1, 2])
        let from = try #require(stripes.values.compactMap { $0.min() }.max())
        let to = try #require(stripes.values.compactMap { $0.max() }.min())
        let window = open.filter { $0 >= from && $0 <= to }.sorted()
        #expect(window == Array(from...to), "arrivals missing between \(from) and \(to)")
        // Arrival k is due k/300 s after Unix time 0: the union covers at least 3 s of intended time, evenly.
        let seconds = Double(to - from) / 300
        #expect(seconds >= 3, "the shards overlapped for only \(seconds) s")
        let rate = Double(window.count - 1) / seconds
        #expect(abs(rate - 300) / 300 < 0.01)

        // Closed model: each of the 10 users ran, each on one shard only (one session id per user).
        var sessions: [String: Set<String>] = [:]
        for request in nginx.requests where request.uri.hasPrefix("/closed?") {
            let query = Dictionary(uniqueKeysWithValues: request.uri.dropFirst("/closed?".count).split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            })
            sessions[query["u"] ?? "", default: []].insert(query["s"] ?? "")
        }
        #expect(sessions.keys.sorted { Int($0) ?? -1 < Int($1) ?? -1 } == (0..<10).map(String.init))
        #expect(sessions.values.allSatisfy { $0.count == 1 }, "a user ran on two shards: \(sessions)")

        // soak merge: the counts add up, and p99 is that of every shard's samples in one histogram.
        let files = (0..<3).map { "\(directory)/shard-\($0).json" }
        let merged = try await BlockingThread.run(name: "merge") {
            Result { try Command.run(soak, ["merge", "--config.file", configPath, "--summary-file", "\(directory)/merged.json", "--junit", "\(directory)/merged.xml"] + files) }
        }.get()
        #expect(merged.status == 0 || merged.status == 1, "merge: \(merged.stderr)")
        #expect(merged.stdout.contains("open/get"))
        let shards = try files.map { try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: $0))) }
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/merged.json")))
        #expect(summary.mergedShards == ["0/3", "1/3", "2/3"])
        #expect(FileManager.default.fileExists(atPath: "\(directory)/merged.xml"))
        for key in ["open/get", "closed/get"] {
            let total = shards.flatMap(\.requests).filter { $0.key == key }.map(\.requests).reduce(0, +)
            #expect(summary.requests.first { $0.key == key }?.requests == total)
            var all = RecordingTally()
            for shard in shards {
                let record = try #require(shard.recordings?.requests.first { "\($0.scenario)/\($0.request)" == key })
                all.add(try RecordingTally(record: record.tally))
            }
            #expect(summary.requests.first { $0.key == key }?.latency.p99 == all.latency(at: 0.99))
        }
        // The requests nginx saw are the requests the shards counted.
        #expect(summary.requests.first { $0.key == "open/get" }?.requests == open.count)
        // Judged on the whole rate, not a shard's share.
        let rateCheck = try #require(summary.checks.first { $0.subject == "open" && $0.unit == "per_second" })
        #expect(rateCheck.limit == 200)
        #expect(shards.allSatisfy { $0.checks.first { $0.subject == "open" && $0.unit == "per_second" }?.limit.rounded() == 67 })
    }
}
