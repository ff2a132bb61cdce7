internal import Foundation
internal import SoakConfig

/// How figures are written for people, the same way in the terminal summary, the reports, the
/// status page and the labels: `12.30ms`, `1m30s`, `0.50%`, `37.5`, `p99.9`.
enum Figure {
    /// A latency in seconds with a unit that keeps it readable: `1.20s`, `120ms`, `1.25ms`, `80us`.
    static func seconds(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.2fs", seconds) }
        if seconds >= 0.01 { return String(format: "%.0fms", seconds * 1000) }
        if seconds >= 0.001 || seconds == 0 { return String(format: "%.2fms", seconds * 1000) }
        return String(format: "%.0fus", seconds * 1_000_000)
    }

    /// A duration in seconds as the config writes durations: `5s`, `1m30s`, `500ms`.
    static func duration(seconds: Double) -> String {
        seconds >= 1
            ? DurationSyntax.format(.seconds(Int64(seconds.rounded()))) : DurationSyntax.format(.milliseconds(Int64((seconds * 1000).rounded())))
    }

    /// A ratio as a percentage: `0.50%`.
    static func ratio(_ ratio: Double) -> String { String(format: "%.2f%%", ratio * 100) }

    /// A rate per second: `10.00/s`.
    static func rate(_ rate: Double) -> String { String(format: "%.2f/s", rate) }

    /// A relative change: `+12.5%`.
    static func change(_ change: Double) -> String { String(format: "%+.1f%%", change * 100) }

    /// A count or rate without needless decimals: `120`, `37.5`.
    static func count(_ count: Double) -> String {
        count == count.rounded() && abs(count) < 1e15 ? String(Int(count)) : String(format: "%.1f", count)
    }

    /// A quantile as its percentile, the `percentile` label's value: `0.95` as `95`, `0.999` as `99.9`.
    static func percentile(_ quantile: Double) -> String {
        let percentile = (quantile * 1_000).rounded() / 10
        return percentile == percentile.rounded() ? String(Int(percentile)) : String(percentile)
    }
}
