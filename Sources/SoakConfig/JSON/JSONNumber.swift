/// A JSON number: its text exactly as written, and its value as a `Double` the way Foundation's
/// `JSONSerialization` gives it (so checks and gauges read numbers as they always have).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The number as written in the document, e.g. `1.0`, `-0`, `12345678901234567890`, `2.5E-3`.
    public let text: String

    /// A number with the given text; the text must follow RFC 8259's number grammar.
    init(text: String) {
        self.text = text
    }

    /// A number written as Swift prints `value` (shortest text that reads back the same).
    public init(_ value: Double) {
        text = "\(value)"
    }

    public init(integerLiteral value: Int) {
        text = "\(value)"
    }

    /// Whether the text has neither a fraction nor an exponent.
    public var isInteger: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The nearest `Double`; an integer's zero is +0 (`-0` reads as 0, as JSONSerialization reads it).
    public var double: Double {
        guard let value = Double(text) else { return .nan }
        return value == 0 && isInteger ? 0 : value
    }

    public var description: String { text }
}
