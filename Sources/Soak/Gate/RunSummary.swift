internal import Foundation
public import SoakConfig

/// The machine-readable summary of a timed run (`--summary-file`), versioned by `schema`, and what
/// `--baseline` reads back. docs/ci.md documents every field.
public struct RunSummary: Codable, Sendable {
    /// One threshold or baseline check and its verdict.
    public struct Check: Codable, Sendable, Equatable {
        /// `threshold` or `baseline`.
        public var kind: String
        /// What is checked, e.g. `browse/status p95 < 500ms` or `browse/status p95 vs baseline`.
        public var name: String
        /// `scenario/request`, or the scenario for a scenario-wide rate.
        public var subject: String
        public var passed: Bool
        /// The measured value (seconds, a ratio, per second, or the relative change for baseline latency).
        public var measured: Double
        /// The bound it was held to, in the same unit.
        public var limit: Double
        /// `seconds`, `ratio`, `per_second` or `count`.
        public var unit: String
        /// A sentence a person can read: what was measured, against what.
        public var detail: String
    }

    /// This schema's identifier; a baseline with another is refused.
    public static let currentSchema = "soak-summary/1"

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
    public var checks: [Check]
    public var passed: Bool

    enum CodingKeys: String, CodingKey {
        case schema, revision, completed, requests, scenarios, databases, checks, passed
        case soakVersion = "soak_version"
        case configFile = "config_file"
        case configHash = "config_hash"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case durationSeconds = "duration_seconds"
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

    /// Reads a summary written by an earlier run; the error says what is wrong and how to fix it.
    public static func readBaseline(_ path: String) throws(BaselineError) -> RunSummary {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BaselineError(description: "\(path): cannot read the baseline file; give the --summary-file of an earlier run")
        }
        struct Schema: Decodable { let schema: String? }
        guard let schema = try? JSONDecoder().decode(Schema.self, from: data) else {
            throw BaselineError(description: "\(path): not a soak summary (not a JSON object); give the --summary-file of an earlier run")
        }
        guard schema.schema == currentSchema else {
            throw BaselineError(description:
                "\(path): schema \(schema.schema.map { "\"\($0)\"" } ?? "missing"), this soak reads \"\(currentSchema)\"; write a new baseline with --summary-file")
        }
        do {
            return try JSONDecoder().decode(RunSummary.self, from: data)
        } catch {
            throw BaselineError(description: "\(path): not a valid \(currentSchema) summary (\(Self.describe(error))); write a new baseline with --summary-file")
        }
    }

    /// Refuses a baseline that lacks a request this config runs: its numbers would compare nothing.
    public static func checkBaseline(_ baseline: RunSummary, path: String, matches config: SoakConfiguration) throws(BaselineError) {
        let known = Set(baseline.requests.map(\.key))
        let wanted = config.scenarios.flatMap { scenario in scenario.requests.map { "\(scenario.name)/\($0.name)" } }
        let missing = wanted.filter { !known.contains($0) }
        guard missing.isEmpty else {
            throw BaselineError(description:
                "\(path): the baseline has no \(missing.joined(separator: ", ")); it was written for another config (it has \(baseline.requests.map(\.key).joined(separator: ", "))). Write a new baseline with --summary-file")
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
