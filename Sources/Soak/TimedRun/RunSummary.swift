internal import Foundation
public import SoakConfig

/// The machine-readable summary of a timed run (`--summary-file`), versioned by `schema`, and what
/// `--baseline` reads back. docs/ci.md documents every field.
public struct RunSummary: Codable, Sendable {
    /// How a check ended.
    public enum Verdict: String, Codable, Sendable {
        case pass
        case fail
        /// Nothing was measured (no sample, no finished hold, no finished task): never a pass.
        case noData = "no_data"
    }

    /// One threshold or baseline check and its verdict.
    public struct Check: Codable, Sendable, Equatable {
        /// `threshold` or `baseline`.
        public var kind: String
        /// What is checked, e.g. `browse/status p95 < 500ms` or `browse/status p95 vs baseline`.
        public var name: String
        /// `scenario/request`, or the scenario for a scenario-wide rate, `database/probe`, `tasks/probe`.
        public var subject: String
        public var verdict: Verdict
        /// Whether the verdict is `pass`.
        public var passed: Bool
        /// The measured value (seconds, a ratio, per second, a count, or the relative change for baseline
        /// latency); nil when there was no data.
        public var measured: Double?
        /// The bound it was held to, in the same unit.
        public var limit: Double
        /// `seconds`, `ratio`, `per_second` or `count`.
        public var unit: String
        /// A sentence a person can read: what was measured, against what, or why there was nothing to measure.
        public var detail: String

        init(kind: String, name: String, subject: String, verdict: Verdict, measured: Double?, limit: Double, unit: String, detail: String) {
            self.kind = kind
            self.name = name
            self.subject = subject
            self.verdict = verdict
            self.passed = verdict == .pass
            self.measured = measured
            self.limit = limit
            self.unit = unit
            self.detail = detail
        }

        /// A check that measured something: `passed` decides pass or fail.
        init(kind: String, name: String, subject: String, passed: Bool, measured: Double, limit: Double, unit: String, detail: String) {
            self.init(kind: kind, name: name, subject: subject, verdict: passed ? .pass : .fail, measured: measured, limit: limit, unit: unit, detail: detail)
        }

        enum CodingKeys: String, CodingKey {
            case kind, name, subject, verdict, passed, measured, limit, unit, detail
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(String.self, forKey: .kind)
            name = try container.decode(String.self, forKey: .name)
            subject = try container.decode(String.self, forKey: .subject)
            passed = try container.decode(Bool.self, forKey: .passed)
            // soak-summary/1 had no verdict: a check passed or failed.
            verdict = try container.decodeIfPresent(Verdict.self, forKey: .verdict) ?? (passed ? .pass : .fail)
            measured = try container.decodeIfPresent(Double.self, forKey: .measured)
            limit = try container.decode(Double.self, forKey: .limit)
            unit = try container.decode(String.self, forKey: .unit)
            detail = try container.decode(String.self, forKey: .detail)
        }

        /// Every key, `measured` as null when there was no data.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(name, forKey: .name)
            try container.encode(subject, forKey: .subject)
            try container.encode(verdict, forKey: .verdict)
            try container.encode(passed, forKey: .passed)
            try container.encode(measured, forKey: .measured)
            try container.encode(limit, forKey: .limit)
            try container.encode(unit, forKey: .unit)
            try container.encode(detail, forKey: .detail)
        }
    }

    /// What the run was compared with, and what it could not compare.
    public struct BaselineReport: Codable, Sendable, Equatable {
        /// The `--baseline` file.
        public var file: String
        /// The baseline's `config_hash`, and whether it is this run's (if not, soak warned).
        public var configHash: String
        public var sameConfig: Bool
        /// The tolerances, as written on the command line (defaults filled in).
        public var tolerances: [String: String]
        /// A sentence per figure that was not compared, saying why (too few samples, absent from the baseline).
        public var notCompared: [String]

        enum CodingKeys: String, CodingKey {
            case file, tolerances
            case configHash = "config_hash"
            case sameConfig = "same_config"
            case notCompared = "not_compared"
        }
    }

    /// This schema's identifier.
    public static let currentSchema = "soak-summary/2"
    /// The schemas `--baseline` reads: what it compares (requests, scenarios, databases) has the same shape in both.
    public static let readableSchemas = ["soak-summary/1", currentSchema]

    public var schema = RunSummary.currentSchema
    public var soakVersion: String
    public var revision: String
    public var configFile: String
    /// FNV-1a 64 of the config file's bytes, to tell whether two runs ran the same config.
    public var configHash: String
    public var startedAt: String
    public var endedAt: String
    public var durationSeconds: Double
    /// Whether the run lasted its whole duration (false when it was stopped early by a signal).
    public var completed: Bool
    public var requests: [RequestFigures]
    /// Each scenario's requests taken together, as request `*`.
    public var scenarios: [RequestFigures] = []
    /// The database probes' and holds' headline numbers.
    public var databases: [DatabaseFigures] = []
    /// Every request's failures by reason, code and message, the most frequent first.
    public var failures: [FailureFigures] = []
    /// The task probes' tasks, phases and result values.
    public var tasks: [TaskFigures] = []
    /// The ingestion probes' rounds.
    public var ingestion: [IngestionFigures] = []
    /// Set when the run was compared with a baseline.
    public var baseline: BaselineReport?
    /// The histograms and counts behind the figures and the shard that recorded them, for `soak merge`.
    var recordings: SummaryRecordings?
    /// Set by `soak merge`: the shards whose summaries were merged into this one.
    public var mergedShards: [String]?
    public var checks: [Check]
    public var passed: Bool

    init(
        soakVersion: String, revision: String, configFile: String, configHash: String, startedAt: String, endedAt: String,
        durationSeconds: Double, completed: Bool, requests: [RequestFigures], checks: [Check], passed: Bool
    ) {
        self.soakVersion = soakVersion
        self.revision = revision
        self.configFile = configFile
        self.configHash = configHash
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.durationSeconds = durationSeconds
        self.completed = completed
        self.requests = requests
        self.checks = checks
        self.passed = passed
    }

    enum CodingKeys: String, CodingKey {
        case schema, revision, completed, requests, scenarios, databases, failures, tasks, ingestion, baseline, checks, passed, recordings
        case soakVersion = "soak_version"
        case mergedShards = "merged_shards"
        case configFile = "config_file"
        case configHash = "config_hash"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case durationSeconds = "duration_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(String.self, forKey: .schema)
        soakVersion = try container.decode(String.self, forKey: .soakVersion)
        revision = try container.decode(String.self, forKey: .revision)
        configFile = try container.decode(String.self, forKey: .configFile)
        configHash = try container.decode(String.self, forKey: .configHash)
        startedAt = try container.decode(String.self, forKey: .startedAt)
        endedAt = try container.decode(String.self, forKey: .endedAt)
        durationSeconds = try container.decode(Double.self, forKey: .durationSeconds)
        completed = try container.decode(Bool.self, forKey: .completed)
        requests = try container.decode([RequestFigures].self, forKey: .requests)
        scenarios = try container.decodeIfPresent([RequestFigures].self, forKey: .scenarios) ?? []
        databases = try container.decodeIfPresent([DatabaseFigures].self, forKey: .databases) ?? []
        // Since soak-summary/2.
        failures = try container.decodeIfPresent([FailureFigures].self, forKey: .failures) ?? []
        tasks = try container.decodeIfPresent([TaskFigures].self, forKey: .tasks) ?? []
        ingestion = try container.decodeIfPresent([IngestionFigures].self, forKey: .ingestion) ?? []
        baseline = try container.decodeIfPresent(BaselineReport.self, forKey: .baseline)
        recordings = try container.decodeIfPresent(SummaryRecordings.self, forKey: .recordings)
        mergedShards = try container.decodeIfPresent([String].self, forKey: .mergedShards)
        checks = try container.decode([Check].self, forKey: .checks)
        passed = try container.decode(Bool.self, forKey: .passed)
    }

    /// FNV-1a 64 of `bytes`, as 16 hex digits.
    static func fnv1a(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The summary as pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Why a baseline file cannot be used.
    public struct BaselineError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The baseline at `path` (nil without one), read and checked against `config`.
    static func baseline(at path: String?, for config: SoakConfiguration) throws(BaselineError) -> RunSummary? {
        guard let path else { return nil }
        let baseline = try readBaseline(path)
        try checkBaseline(baseline, path: path, matches: config)
        return baseline
    }

    /// Reads a summary written by an earlier run; the error says what is wrong and how to fix it.
    public static func readBaseline(_ path: String) throws(BaselineError) -> RunSummary {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BaselineError(description: "\(path): cannot read the baseline file; give the --summary-file of an earlier run")
        }
        struct Schema: Decodable { let schema: String? }
        guard let schema = try? JSONDecoder().decode(Schema.self, from: data) else {
            throw BaselineError(description: "\(path): not a soak summary (not a JSON object); give the --summary-file of an earlier run")
        }
        guard let name = schema.schema, readableSchemas.contains(name) else {
            throw BaselineError(description:
                "\(path): schema \(schema.schema.map { "\"\($0)\"" } ?? "missing"), this soak reads \(readableSchemas.map { "\"\($0)\"" }.joined(separator: " and ")); write a new baseline with --summary-file")
        }
        do {
            return try JSONDecoder().decode(RunSummary.self, from: data)
        } catch {
            throw BaselineError(description: "\(path): not a valid \(name) summary (\(Self.describe(error))); write a new baseline with --summary-file")
        }
    }

    /// Refuses a baseline that has none of the requests this config runs: it was written for another
    /// config and would compare nothing. (Requests it lacks are named as not compared after the run.)
    public static func checkBaseline(_ baseline: RunSummary, path: String, matches config: SoakConfiguration) throws(BaselineError) {
        let known = Set(baseline.requests.map(\.key))
        let wanted = config.scenarios.flatMap { scenario in scenario.requests.map { "\(scenario.name)/\($0.name)" } }
        guard wanted.isEmpty || wanted.contains(where: known.contains) else {
            throw BaselineError(description:
                "\(path): the baseline has none of \(wanted.joined(separator: ", ")); it was written for another config (it has \(baseline.requests.map(\.key).joined(separator: ", "))). Write a new baseline with --summary-file")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing \((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            return "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default:
            return "\(error)"
        }
    }
}
