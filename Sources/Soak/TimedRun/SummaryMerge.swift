internal import Foundation
internal import SoakConfig

/// `soak merge`: the summary files of the N shards of one timed run (`--shard I/N --summary-file`)
/// added up bucket by bucket into one run's recordings and judged as one run is, with the config's
/// own thresholds (not a shard's share), the baseline, and the same reports. It refuses summaries of
/// another config, shards that overlap and shards that are missing.
public enum SummaryMerge {
    /// Why the summaries cannot be merged; the sentence names the files and the fix.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Merges and judges `files` against `configFile`.
    public static func merge(files: [String], configFile: String, options: TimedRunOptions) throws(Failure) -> TimedRunResult {
        let config: SoakConfiguration
        do {
            config = try ConfigLoader.load(file: configFile)
        } catch {
            throw Failure(description: "invalid config:\n\(error)")
        }
        guard let configBytes = FileManager.default.contents(atPath: configFile) else {
            throw Failure(description: "\(configFile): cannot read the config file")
        }
        let configHash = RunSummary.fnv1a([UInt8](configBytes))
        var summaries: [(String, RunSummary)] = []
        for file in files { summaries.append((file, try read(file))) }
        for (file, summary) in summaries where summary.configHash != configHash {
            throw Failure(description:
                "\(file) ran another config (\(summary.configHash)) than \(configFile) (\(configHash)); merge the summaries of one run, with the config it ran")
        }
        let shards = try checkShards(summaries)
        var recordings: [RunRecordings] = []
        for (file, summary) in summaries {
            guard let kept = summary.recordings else { continue }
            do {
                recordings.append(try kept.recordings(of: summary))
            } catch {
                throw Failure(description: "\(file): a histogram in recordings cannot be read (\(error)); run the shard again")
            }
        }
        let windows = Set(summaries.compactMap { $0.1.recordings?.windowSeconds })
        guard windows.count == 1 else {
            throw Failure(description: "the shards ran for different durations (timeline windows of \(windows.sorted().map { "\($0)s" }.joined(separator: ", "))); run every shard with the same --duration")
        }
        let baseline: RunSummary?
        do throws(RunSummary.BaselineError) {
            baseline = try RunSummary.baseline(at: options.baselineFile, for: config)
        } catch {
            throw Failure(description: "unusable baseline: \(error)")
        }
        let judge = TimedRunJudge(
            options: options, baseline: baseline, baselineFile: options.baselineFile, config: config, configFile: configFile,
            configHash: configHash, build: .current)
        let started = summaries.compactMap { Self.date($0.1.startedAt) }.min() ?? Date()
        let ended = summaries.compactMap { Self.date($0.1.endedAt) }.max() ?? Date()
        var result = judge.judge(
            RunRecordings.merged(recordings), startedAt: started, endedAt: ended,
            durationSeconds: summaries.map { $0.1.durationSeconds }.max() ?? 0, completed: summaries.allSatisfy { $0.1.completed })
        result.summary.mergedShards = shards
        return result
    }

    /// Reads one shard's summary, which must carry its recordings.
    private static func read(_ file: String) throws(Failure) -> RunSummary {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Failure(description: "\(file): cannot read it; give the --summary-file of each shard")
        }
        let summary: RunSummary
        do {
            summary = try JSONDecoder().decode(RunSummary.self, from: data)
        } catch {
            throw Failure(description: "\(file): not a soak summary (\(error)); give the --summary-file of each shard")
        }
        guard summary.recordings != nil else {
            throw Failure(description: "\(file) has no recordings (written by an older soak); run the shard again with this soak")
        }
        return summary
    }

    /// Every shard of one count, each once; the shards, in order.
    private static func checkShards(_ summaries: [(String, RunSummary)]) throws(Failure) -> [String] {
        var byIndex: [Int: String] = [:]
        var count: (Int, String)?
        for (file, summary) in summaries {
            guard let text = summary.recordings?.shard, case .success(let shard) = Shard.parse(text) else {
                throw Failure(description: "\(file): its shard \"\(summary.recordings?.shard ?? "")\" is not I/N")
            }
            if let count, count.0 != shard.count {
                throw Failure(description: "\(file) is shard \(shard) but \(count.1) is one of \(count.0); merge the shards of one run")
            }
            count = (shard.count, file)
            if let other = byIndex[shard.index] {
                throw Failure(description: "overlapping shards: \(other) and \(file) are both shard \(shard); give each shard's summary once")
            }
            byIndex[shard.index] = file
        }
        guard let total = count?.0 else { throw Failure(description: "no summary files given; give the --summary-file of each shard") }
        let missing = (0..<total).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw Failure(description:
                "missing shards: \(missing.map { "\($0)/\(total)" }.joined(separator: ", ")) (given: \(byIndex.keys.sorted().map { "\($0)/\(total)" }.joined(separator: ", "))); a verdict on part of the load would not be the run's")
        }
        return (0..<total).map { "\($0)/\(total)" }
    }

    private static func date(_ text: String) -> Date? {
        try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
