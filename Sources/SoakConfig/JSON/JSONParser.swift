/// Why a document is not JSON: the byte offset where parsing stopped and what was wrong there.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bytes from the start of the document (a byte order mark included).
    public let offset: Int
    public let reason: String

    public var description: String { "byte \(offset): \(reason)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes. It allows any value at the top and a leading UTF-8
/// byte order mark; it rejects trailing commas, lone surrogate escapes, invalid UTF-8, numbers
/// outside `Double`'s range (as Foundation's `JSONSerialization` does) and nesting deeper than
/// ``maximumDepth``. It keeps its own stack instead of recursing, so no document can exhaust the
/// thread's stack.
enum JSONParser {
    /// Arrays and objects nested deeper than this are an error (`JSONSerialization`'s limit too).
    static let maximumDepth = 512

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var reader = Reader(bytes: bytes)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { reader.index = 3 }
        return try reader.document()
    }

    /// An array or object still open, with what it has so far.
    private struct Open {
        let isObject: Bool
        var elements: [JSONValue] = []
        var members: [(key: String, value: JSONValue)] = []
        /// The key of the member whose value is being read.
        var key = ""
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
            JSONParseError(offset: offset ?? index, reason: reason)
        }

        /// What is found where something else was expected, for an error.
        func found() -> String {
            guard index < bytes.count else { return "the end of the document" }
            let byte = bytes[index]
            return byte >= 0x20 && byte < 0x7F ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        /// The whole document: one value, then only whitespace.
        mutating func document() throws(JSONParseError) -> JSONValue {
            var open: [Open] = []
            while true {
                skipWhitespace()
                var value: JSONValue
                guard index < bytes.count else { throw error(open.isEmpty ? "no value in the document" : "the document ends where a value is expected") }
                switch bytes[index] {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard open.count < JSONParser.maximumDepth else {
                        throw error("arrays and objects nest deeper than \(JSONParser.maximumDepth) levels")
                    }
                    let isObject = bytes[index] == UInt8(ascii: "{")
                    index += 1
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        index += 1
                        value = isObject ? .object(JSONObject([])) : .array([])
                    } else {
                        var container = Open(isObject: isObject)
                        if isObject { container.key = try memberKey() }
                        open.append(container)
                        continue
                    }
                case UInt8(ascii: "\""):
                    value = .string(try string())
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = .number(try number())
                case UInt8(ascii: "t"):
                    try literal("true")
                    value = .bool(true)
                case UInt8(ascii: "f"):
                    try literal("false")
                    value = .bool(false)
                case UInt8(ascii: "n"):
                    try literal("null")
                    value = .null
                case UInt8(ascii: "]") where !open.isEmpty:
                    throw error("a trailing comma in an array")
                default:
                    throw error("expected a value, found \(found())")
                }
                // The value ends every array and object it closes; then either the document ends or another value follows a comma.
                while true {
                    skipWhitespace()
                    guard !open.isEmpty else {
                        guard index == bytes.count else { throw error("expected the end of the document after its value, found \(found())") }
                        return value
                    }
                    let last = open.count - 1
                    let isObject = open[last].isObject
                    if isObject {
                        open[last].members.append((key: open[last].key, value: value))
                    } else {
                        open[last].elements.append(value)
                    }
                    guard index < bytes.count else { throw error("the document ends inside an \(isObject ? "object" : "array")") }
                    let byte = bytes[index]
                    if byte == UInt8(ascii: ",") {
                        index += 1
                        if isObject {
                            skipWhitespace()
                            open[last].key = try memberKey()
                        }
                        break
                    }
                    guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                        throw error("expected \",\" or \"\(isObject ? "}" : "]")\" in an \(isObject ? "object" : "array"), found \(found())")
                    }
                    index += 1
                    let closed = open.removeLast()
                    value = isObject ? .object(JSONObject(closed.members)) : .array(closed.elements)
                }
            }
        }

        /// A member's key and the colon after it; the reader is at the key.
        mutating func memberKey() throws(JSONParseError) -> String {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error(index < bytes.count && bytes[index] == UInt8(ascii: "}") ? "a trailing comma in an object" : "expected a member name in quotes, found \(found())")
            }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected \":\" after a member name, found \(found())") }
            index += 1
            return key
        }

        mutating func literal(_ word: StaticString) throws(JSONParseError) {
            let start = index
            for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
                guard index < bytes.count, bytes[index] == expected else {
                    throw error(index < bytes.count ? "expected \(word), found \(found())" : "the document ends inside \(word)", at: index < bytes.count ? start : index)
                }
                index += 1
            }
        }

        /// A number's text, checked against the grammar: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?
        mutating func number() throws(JSONParseError) -> JSONNumber {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let integerStart = index
            guard index < bytes.count, isDigit(bytes[index]) else { throw error(index < bytes.count ? "expected a digit after \"-\", found \(found())" : "the document ends inside a number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if index < bytes.count, isDigit(bytes[index]) { throw error("a number with a leading zero") }
            } else {
                skipDigits()
            }
            var mayOverflow = index - integerStart > 308
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                try digits(after: "\".\"")
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                try digits(after: "an exponent")
                mayOverflow = true
            }
            let number = JSONNumber(text: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            if mayOverflow, !number.double.isFinite { throw error("the number \(number.text.prefix(40)) is too large for a double", at: start) }
            return number
        }

        func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

        mutating func skipDigits() {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }

        mutating func digits(after what: String) throws(JSONParseError) {
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw error(index < bytes.count ? "expected a digit after \(what), found \(found())" : "the document ends inside a number")
            }
            skipDigits()
        }

        /// A string's text; the reader is at its opening quote.
        mutating func string() throws(JSONParseError) -> String {
            let opening = index
            index += 1
            var segment = index
            var unescaped: [UInt8] = []
            var escaped = false
            // The bits of every byte as written: below 0x80, all ASCII and so valid (escapes write valid UTF-8).
            var allBits: UInt8 = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let rest = UnsafeBufferPointer(rebasing: bytes[segment..<index])
                    let text: String?
                    if escaped {
                        unescaped.append(contentsOf: rest)
                        text = unescaped.withUnsafeBufferPointer { Self.text($0, ascii: allBits < 0x80) }
                    } else {
                        text = Self.text(rest, ascii: allBits < 0x80)
                    }
                    guard let text else { throw error("invalid UTF-8 in the string", at: opening) }
                    index += 1
                    return text
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                    unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment..<index]))
                    try escape(into: &unescaped)
                    segment = index
                } else if byte < 0x20 {
                    throw error("a control character (byte 0x\(String(byte, radix: 16, uppercase: true))) in a string; write it as an escape")
                } else {
                    allBits |= byte
                    index += 1
                }
            }
            throw error("the document ends inside a string", at: opening)
        }

        /// `utf8` as a string; nil where it is not valid UTF-8 (`ascii` says it is all ASCII, so valid).
        static func text(_ utf8: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String? {
            guard ascii || isValidUTF8(utf8) else { return nil }
            return String(decoding: utf8, as: UTF8.self)
        }

        /// Whether `utf8` is valid UTF-8 (RFC 3629): no overlong forms, surrogates or values past U+10FFFF.
        static func isValidUTF8(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
            var index = 0
            while index < utf8.count {
                let lead = utf8[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                let length: Int
                let smallest: UInt32
                var scalar: UInt32
                switch lead {
                case 0xC0...0xDF: (length, smallest, scalar) = (2, 0x80, UInt32(lead & 0x1F))
                case 0xE0...0xEF: (length, smallest, scalar) = (3, 0x800, UInt32(lead & 0x0F))
                case 0xF0...0xF7: (length, smallest, scalar) = (4, 0x10000, UInt32(lead & 0x07))
                default: return false
                }
                guard index + length <= utf8.count else { return false }
                for offset in 1..<length {
                    let byte = utf8[index + offset]
                    guard byte & 0xC0 == 0x80 else { return false }
                    scalar = scalar << 6 | UInt32(byte & 0x3F)
                }
                guard scalar >= smallest, scalar <= 0x10FFFF, scalar & 0xFFFF_F800 != 0xD800 else { return false }
                index += length
            }
            return true
        }

        /// One escape sequence, appended as UTF-8; the reader is at the backslash.
        mutating func escape(into text: inout [UInt8]) throws(JSONParseError) {
            let start = index
            index += 1
            guard index < bytes.count else { throw error("the document ends inside a string") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex()
                if scalar & 0xFC00 == 0xD800 {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("a high surrogate escape without a low surrogate after it", at: start)
                    }
                    index += 2
                    let low = try hex()
                    guard low & 0xFC00 == 0xDC00 else { throw error("a high surrogate escape without a low surrogate after it", at: start) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar & 0xFC00 == 0xDC00 {
                    throw error("a low surrogate escape without a high surrogate before it", at: start)
                }
                appendUTF8(scalar, to: &text)
            default:
                throw error("an invalid escape \"\\\(Character(Unicode.Scalar(byte)))\" in a string; JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at: start)
            }
        }

        /// A scalar value (not a surrogate, at most 0x10FFFF) as UTF-8.
        func appendUTF8(_ scalar: UInt32, to text: inout [UInt8]) {
            switch scalar {
            case ..<0x80:
                text.append(UInt8(scalar))
            case ..<0x800:
                text.append(UInt8(0xC0 | scalar >> 6))
                text.append(UInt8(0x80 | scalar & 0x3F))
            case ..<0x10000:
                text.append(UInt8(0xE0 | scalar >> 12))
                text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                text.append(UInt8(0x80 | scalar & 0x3F))
            default:
                text.append(UInt8(0xF0 | scalar >> 18))
                text.append(UInt8(0x80 | scalar >> 12 & 0x3F))
                text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                text.append(UInt8(0x80 | scalar & 0x3F))
            }
        }

        /// The four hex digits of a `\u` escape.
        mutating func hex() throws(JSONParseError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard index < bytes.count else { throw error("the document ends inside a string") }
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("expected four hex digits after \\u, found \(found())")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
