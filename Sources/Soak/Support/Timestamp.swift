internal import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock times as soak writes them everywhere (log lines, results file, summaries, status,
/// reports): RFC 3339 in UTC with milliseconds, e.g. `2026-11-22T23:08:08.847Z`.
enum Timestamp {
    static func rfc3339(_ date: Date) -> String {
        let since1970 = date.timeIntervalSince1970
        let whole = since1970.rounded(.down)
        var seconds = time_t(whole)
        let milliseconds = min(999, Int((since1970 - whole) * 1_000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, milliseconds)
    }
}
