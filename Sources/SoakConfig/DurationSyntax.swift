/// Parses and prints durations written as in Prometheus: `250ms`, `30s`, `50m`, `1h30m`, `2d`.
///
/// A duration is one or more integer-unit pairs, largest unit first, each unit at most once; `0` alone
/// is also accepted. Units: `d` (24 h), `h`, `m`, `s`, `ms`.
public enum DurationSyntax {
    /// The units, largest first, with their length in milliseconds.
    private static let units: [(name: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// The fix shown with every duration error.
    public static let hint = "write a whole number and a unit (ms, s, m, h, d), largest unit first, e.g. 250ms, 30s or 1h30m"

    /// Parses `text`, or returns nil when it is not a duration.
    public static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var rest = Substring(text)
        var total: Int64 = 0
        var lastUnitIndex = -1
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 12, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix(while: { $0.isASCII && $0.isLetter })
            guard let unitIndex = units.firstIndex(where: { $0.name == letters }), unitIndex > lastUnitIndex else {
                return nil
            }
            rest = rest.dropFirst(letters.count)
            lastUnitIndex = unitIndex
            let (product, overflow) = number.multipliedReportingOverflow(by: units[unitIndex].milliseconds)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return lastUnitIndex >= 0 ? .milliseconds(total) : nil
    }

    /// `duration` in seconds, as Prometheus and timers take it.
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `duration` in whole milliseconds, rounded down.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Prints `duration` in the shortest form `parse` reads back, e.g. `1h30m` or `250ms`.
    public static func format(_ duration: Duration) -> String {
        var remaining = milliseconds(duration)
        guard remaining > 0 else { return "0s" }
        var text = ""
        for unit in units where remaining >= unit.milliseconds {
            text += "\(remaining / unit.milliseconds)\(unit.name)"
            remaining %= unit.milliseconds
        }
        return text
    }
}
