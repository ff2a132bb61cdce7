/// A rate of events written as `COUNT/UNIT`: `5/s`, `120/m`, `0.5/s`, `10/h`.
public struct Rate: Sendable, Equatable, CustomStringConvertible {
    /// Events per second.
    public let perSecond: Double
    /// The text the rate was written as.
    public let description: String

    /// The fix shown with every rate error.
    public static let hint = "write COUNT/UNIT with a positive count and a unit of s, m or h, e.g. 5/s or 120/m"

    /// Parses `text`, or returns nil when it is not a positive rate.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let count = Double(parts[0].trimmingSpaces), count.isFinite, count > 0,
            parts[0].allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == " ") })
        else { return nil }
        let seconds: Double
        switch parts[1].trimmingSpaces {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3_600
        default: return nil
        }
        self.perSecond = count / seconds
        self.description = text
    }

    /// A rate in requests per second as the shortest `N/s` text, e.g. `10000/s` or `0.5/s`.
    public static func format(perSecond: Double) -> String {
        perSecond == perSecond.rounded() && abs(perSecond) < 1e15 ? "\(Int(perSecond))/s" : "\(perSecond)/s"
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
