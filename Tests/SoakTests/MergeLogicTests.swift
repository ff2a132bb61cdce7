import Foundation
import Histogram
@testable import Soak
@testable import SoakConfig
import Testing

@Suite("HdrHistogram's compressed encoding and soak merge: exact merged percentiles, refusals")
struct MergeLogicTests {
    /// Latencies in microseconds, log-spread from 50 µs to about 20 s, the same every run.
    static func samples(_ count: Int, seed: UInt64) -> [UInt64] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt64(50 * exp(Double.random(in: 0..<13, using: &random))) }
    }

    @Test func encodingRoundTripsBucketForBucket() throws {
        var latency = Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)
        for value in Self.samples(50_000, seed: 1) + [1, 2, RequestRecording.highest] { _ = latency.record(value) }
        // A count past 56 bits takes the encoding's ninth byte.
        _ = latency.record(1, count: UInt64(1) << 57)
        let decoded: Histogram<UInt64> = try HistogramEncoding.decode(try HistogramEncoding.encode(latency))
        #expect(decoded == latency)
        #expect(decoded.totalCount == latency.totalCount)

        var window = Histogram<UInt32>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .two)
        for value in Self.samples(1_000, seed: 2) { _ = window.record(value) }
        #expect(try HistogramEncoding.decode(try HistogramEncoding.encode(window)) == window)

        let empty = Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)
        let text = try HistogramEncoding.encode(empty)
        #expect(try HistogramEncoding.decode(text, as: UInt64.self).totalCount == 0)
        // The compressed V2 cookie, then the zlib stream's header.
        #expect(Array(Data(base64Encoded: text)!.prefix(4)) == [0x1c, 0x84, 0x93, 0x04])
        #expect(Data(base64Encoded: text)![8] == 0x78)
    }

    @Test func damagedEncodingsAreRefusedWithAReason() {
        func failure(_ text: String) -> String {
            do {
                _ = try HistogramEncoding.decode(text, as: UInt64.self)
                return "decoded"
            } catch {
                return error.description
            }
        }
        #expect(failure("not base64!") == "not base64")
        #expect(failure(Data([0x1c, 0x84, 0x93, 0x03, 0, 0, 0, 0]).base64EncodedString()) == "not a compressed HdrHistogram (V2): the cookie is not 0x1c849304")
        #expect(failure(Data([0x1c, 0x84, 0x93, 0x04, 0, 0, 0, 9, 1]).base64EncodedString()) == "the compressed length says 9 bytes, 1 follow")
        #expect(failure(Data([0x1c, 0x84, 0x93, 0x04, 0, 0, 0, 2, 1, 2]).base64EncodedString()).hasPrefix("not a valid zlib stream"))
    }

    /// One shard's recordings: `samples` recorded as one request's latencies, every tenth a failure.
    static func recordings(_ samples: [UInt64]) -> RunRecordings {
        var tally = RecordingTally()
        for (position, micros) in samples.enumerated() {
            tally.record(micros: micros, timings: PhaseTimings(), answered: true, failureReason: position % 10 == 0 ? "status" : nil, window: position % 5)
        }
        return RunRecordings(
            requests: [RunRecordings.Request(scenario: "browse", request: "status", method: "GET", tally: tally)], window: .seconds(1),
            traffic: .seconds(5), databases: [], probeLatencies: [], tasks: [], taskPhases: [], ingestion: [], failures: [])
    }

    static let config = """
        targets: { t: { url: "http://127.0.0.1:1" } }
        scenarios:
          - { name: browse, target: t, rate: 30/s, thresholds: ["p99 < 30s", "rate > 5000/s"], requests: [{ name: status, path: / }] }
        """

    /// Writes the config and one summary file per shard; returns their paths.
    static func summaries(_ shards: [String], samples: [[UInt64]], in directory: URL, config text: String = config) throws -> (config: String, files: [String]) {
        let configPath = directory.appendingPathComponent("soak.yaml").path
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(file: configPath)
        let hash = RunSummary.fnv1a([UInt8](try Data(contentsOf: URL(fileURLWithPath: configPath))))
        var files: [String] = []
        for (position, name) in shards.enumerated() {
            let shard = try Shard.parse(name).get()
            let judge = TimedRunJudge(
                options: TimedRunOptions(duration: .seconds(5), baselineFile: nil), baseline: nil, baselineFile: nil, config: config.forShard(shard),
                configFile: configPath, configHash: hash, build: .current)
            let result = judge.judge(Self.recordings(samples[position]), startedAt: Date(), endedAt: Date(), durationSeconds: 5, completed: true)
            let file = directory.appendingPathComponent("shard-\(position).json").path
            try result.summary.json().write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        return (configPath, files)
    }

    @Test func mergedPercentilesAreExactlyThoseOfOneHistogramOfEverySample() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let parts = [Self.samples(10_000, seed: 11), Self.samples(7_000, seed: 12), Self.samples(13_000, seed: 13)]
        let written = try Self.summaries(["2/3", "0/3", "1/3"], samples: parts, in: directory)
        let merged = try SummaryMerge.merge(files: written.files, configFile: written.config, options: TimedRunOptions(duration: .zero, baselineFile: nil)).summary

        let all = Self.recordings(parts.flatMap { $0 })
        let single = all.requests[0].tally
        let figures = try #require(merged.requests.first)
        #expect(figures.requests == 30_000)
        #expect(figures.errors == 1_000 + 700 + 1_300)
        #expect(figures.latency.p99 == single.latency(at: 0.99))
        #expect(figures.latency.p95 == single.latency(at: 0.95))
        #expect(figures.latency.max == Double(single.latency.max) / 1_000_000)
        #expect(merged.mergedShards == ["0/3", "1/3", "2/3"])
        // Judged on the config's own thresholds: the whole rate, not a shard's share.
        let rate = try #require(merged.checks.first { $0.name.contains("rate") })
        #expect(rate.limit == 5000 && rate.measured == 6000 && rate.passed)
        #expect(merged.checks.first { $0.name.contains("p99") }?.measured == single.latency(at: 0.99))
    }

    @Test func mergeRefusesAnotherConfigOverlappingAndMissingShards() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = Array(repeating: Self.samples(100, seed: 3), count: 3)
        func refusal(_ shards: [String]) throws -> String {
            let written = try Self.summaries(shards, samples: samples, in: directory)
            do {
                _ = try SummaryMerge.merge(files: written.files, configFile: written.config, options: TimedRunOptions(duration: .zero, baselineFile: nil))
                return "merged"
            } catch {
                return error.description.replacingOccurrences(of: directory.path + "/", with: "")
            }
        }
        #expect(try refusal(["0/3", "2/3"]) == "missing shards: 1/3 (given: 0/3, 2/3); a verdict on part of the load would not be the run's")
        #expect(try refusal(["0/3", "1/3", "1/3"]) == "overlapping shards: shard-1.json and shard-2.json are both shard 1/3; give each shard's summary once")
        #expect(try refusal(["0/3", "1/2"]) == "shard-1.json is shard 1/2 but shard-0.json is one of 3; merge the shards of one run")

        let written = try Self.summaries(["0/2", "1/2"], samples: samples, in: directory)
        let other = directory.appendingPathComponent("other.yaml").path
        try (Self.config + "\n# another\n").write(toFile: other, atomically: true, encoding: .utf8)
        do {
            _ = try SummaryMerge.merge(files: written.files, configFile: other, options: TimedRunOptions(duration: .zero, baselineFile: nil))
            Issue.record("merged summaries of another config")
        } catch {
            #expect(error.description.hasPrefix("\(written.files[0]) ran another config (fnv1a64:"))
            #expect(error.description.hasSuffix("; merge the summaries of one run, with the config it ran"))
        }
    }
}
