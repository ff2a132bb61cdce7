internal import Foundation

/// SQL text helpers for the sandbox's statements (it sends plain query strings).
enum SQL {
    /// `text` as a string literal, single quotes doubled (standard_conforming_strings is on by default).
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A timestamptz expression rendered as Pulp renders timestamps: UTC, microseconds, `Z`.
    static func pulpTimestamp(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }
}
