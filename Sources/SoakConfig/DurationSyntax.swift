/// Parses and prints durations, the one syntax of every duration soak reads (config values, command-line
/// flags, thresholds): `250ms`, `30s`, `1h30m`, `2d`, and with decimals and microseconds `0.5ms`,
/// `1.5s`, `500us` (or `500µs`).
///
/// A duration is one or more number-unit pairs, largest unit first, each unit at most once; `0` alone
/// is also accepted. A number is whole or has up to 9 decimals. Units: `d` (24 h), `h`, `m`, `s`,
/// `ms`, `us` (also written `µs`).
public enum DurationSyntax {
    /// The units, largest first, with their length in nanoseconds; `µs` is another spelling of `us`.
    private static let units: [(names: [String], nanoseconds: Int64)] = [
        (["d"], 86_400_000_000_000), (["h"], 3_600_000_000_000), (["m"], 60_000_000_000), (["s"], 1_000_000_000),
        (["ms"], 1_000_000), (["us", "µs", "μs"], 1_000),
    ]

    /// The fix shown with every duration error.
    public static let hint = "write a number and a unit (us, ms, s, m, h, d), largest unit first, e.g. 500us, 0.5ms, 30s or 1h30m"

    /// Parses `text`, or returns nil when it is not a duration.
    public static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var rest = Substring(text)
        var total = Duration.zero
        var lastUnitIndex = -1
        while !rest.isEmpty {
            let whole = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !whole.isEmpty, whole.count <= 12, let number = Int64(whole) else { return nil }
            rest = rest.dropFirst(whole.count)
            var fraction: Int64 = 0
            var fractionDigits = 0
            if rest.first == "." {
                let digits = rest.dropFirst().prefix(while: { $0.isASCII && $0.isNumber })
                guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
                fraction = value
                fractionDigits = digits.count
                rest = rest.dropFirst(1 + digits.count)
            }
            let letters = rest.prefix(while: { !($0.isASCII && ($0.isNumber || $0 == ".")) })
            guard let unitIndex = units.firstIndex(where: { $0.names.contains(String(letters)) }), unitIndex > lastUnitIndex else {
                return nil
            }
            rest = rest.dropFirst(letters.count)
            lastUnitIndex = unitIndex
            // At most 12 digits times a day, plus a fraction of a unit: far inside Duration's range.
            let unit = Duration.nanoseconds(units[unitIndex].nanoseconds)
            total += unit * number
            if fractionDigits > 0 {
                var scale: Int64 = 1
                for _ in 0..<fractionDigits { scale *= 10 }
                total += unit * fraction / scale
            }
        }
        return lastUnitIndex >= 0 ? total : nil
    }

    /// `duration` in seconds, as Prometheus and timers take it.
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `duration` in whole milliseconds, rounded down (at most `Int64.max`).
    public static func milliseconds(_ duration: Duration) -> Int64 {
        whole(duration, perSecond: 1_000)
    }

    /// `duration` in whole microseconds, rounded down (at most `Int64.max`).
    public static func microseconds(_ duration: Duration) -> Int64 {
        whole(duration, perSecond: 1_000_000)
    }

    /// `duration` in units of which a second holds `perSecond`, saturating rather than overflowing: a
    /// parsed duration may be far longer than any limit (which is then reported), and printing it must not trap.
    private static func whole(_ duration: Duration, perSecond: Int64) -> Int64 {
        let (seconds, overflow) = duration.components.seconds.multipliedReportingOverflow(by: perSecond)
        guard !overflow else { return duration.components.seconds < 0 ? .min : .max }
        let (sum, sumOverflow) = seconds.addingReportingOverflow(duration.components.attoseconds / (1_000_000_000_000_000_000 / perSecond))
        return sumOverflow ? .max : sum
    }

    /// Prints `duration` in the shortest whole-unit form `parse` reads back, e.g. `1h30m`, `250ms` or
    /// `500us` (to the microsecond).
    public static func format(_ duration: Duration) -> String {
        var remaining = microseconds(duration)
        guard remaining > 0 else { return "0s" }
        var text = ""
        for unit in units {
            let length = unit.nanoseconds / 1_000
            guard remaining >= length else { continue }
            text += "\(remaining / length)\(unit.names[0])"
            remaining %= length
        }
        return text
    }
}
