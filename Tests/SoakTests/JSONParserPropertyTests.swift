import Foundation
import PropertyBased
import SoakConfig
import Testing

/// soak's JSON parser against Foundation's `JSONSerialization` on generated documents.
@Suite("The JSON parser agrees with JSONSerialization")
struct JSONParserPropertyTests {
    /// Valid documents (any value, any whitespace, escapes, surrogate pairs, duplicate keys, numbers of
    /// every shape, some beyond a double's range): both accept or both refuse, and they read the same.
    @Test func generatedDocumentsReadAsJSONSerializationReadsThem() async {
        await propertyCheck(count: 1_000, input: Gen.int(in: 0...Int.max)) { seed in
            var generator = DocumentGenerator(seed: UInt64(seed))
            let document = generator.document()
            let text = String(decoding: document, as: UTF8.self)
            let theirs = try? JSONSerialization.jsonObject(with: Data(document), options: [.fragmentsAllowed])
            do throws(JSONParseError) {
                let ours = try JSONValue(parsing: document)
                #expect(theirs.map { Self.agree(ours, $0) } == true, "\(text)")
            } catch {
                #expect(theirs == nil || error.reason.hasSuffix("too large for a double"), "\(error) in \(text)")
            }
        }
    }

    /// Documents with a few bytes deleted, inserted or replaced: what soak accepts, Foundation accepts
    /// and reads the same; what only Foundation accepts has a trailing comma (which RFC 8259 does
    /// not allow), a zero byte (from which Foundation guesses UTF-16 or UTF-32) or a number beyond a
    /// double's range (which Foundation refuses only where it keeps the value, not under a key
    /// written again).
    @Test func mutatedDocumentsAreNeverReadMoreLeniently() async {
        await propertyCheck(count: 2_000, input: Gen.int(in: 0...Int.max)) { seed in
            var generator = DocumentGenerator(seed: UInt64(seed))
            let document = generator.mutated(generator.document())
            let text = String(decoding: document, as: UTF8.self)
            let theirs = try? JSONSerialization.jsonObject(with: Data(document), options: [.fragmentsAllowed])
            do throws(JSONParseError) {
                let ours = try JSONValue(parsing: document)
                guard let theirs else {
                    Issue.record("accepted what JSONSerialization refuses: \(text)")
                    return
                }
                #expect(Self.agree(ours, theirs), "\(text)")
            } catch {
                if theirs != nil {
                    #expect(
                        error.reason.hasPrefix("a trailing comma") || error.reason.hasSuffix("too large for a double") || document.contains(0),
                        "\(error) in \(text)")
                }
            }
        }
    }

    /// Whether a value reads as `JSONSerialization`'s does: numbers as the same double (sign of zero
    /// included; within 1e-14 where Foundation reads a decimal), booleans apart from numbers, strings
    /// scalar for scalar, objects by key.
    static func agree(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null:
            return theirs is NSNull
        case .bool(let flag):
            guard let number = theirs as? NSNumber else { return false }
            return String(cString: number.objCType) == "c" && number.boolValue == flag
        case .number(let number):
            guard let other = theirs as? NSNumber, String(cString: other.objCType) != "c" else { return false }
            // Numbers with more digits than a double holds come as NSDecimalNumbers, whose doubles
            // are a few units in the last place off; soak reads the nearest double.
            if other is NSDecimalNumber { return abs(number.double - other.doubleValue) <= abs(number.double) * 1e-14 }
            return number.double == other.doubleValue && number.double.sign == other.doubleValue.sign
        case .string(let text):
            guard let other = theirs as? String else { return false }
            return text.unicodeScalars.elementsEqual(other.unicodeScalars)
        case .array(let elements):
            guard let others = theirs as? [Any], others.count == elements.count else { return false }
            return zip(elements, others).allSatisfy { agree($0, $1) }
        case .object(let object):
            guard let others = theirs as? [String: Any], others.count == object.count else { return false }
            return others.allSatisfy { key, value in object[key].map { agree($0, value) } ?? false }
        }
    }
}

/// Random JSON text from a seed.
struct DocumentGenerator {
    var random: SeededRandom

    init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &random) < percent
    }

    mutating func document() -> [UInt8] {
        var out: [UInt8] = chance(5) ? [0xEF, 0xBB, 0xBF] : []
        space(&out)
        value(&out, depth: 0)
        space(&out)
        return out
    }

    mutating func space(_ out: inout [UInt8]) {
        guard chance(30) else { return }
        for _ in 0..<Int.random(in: 1...3, using: &random) { out.append(pick(Array(" \t\r\n".utf8))) }
    }

    mutating func value(_ out: inout [UInt8], depth: Int) {
        switch Int.random(in: 0..<(depth < 5 ? 9 : 6), using: &random) {
        case 0: out += Array(pick(["null", "true", "false"]).utf8)
        case 1, 2: number(&out)
        case 3, 4, 5: string(&out)
        case 6, 7:
            out.append(UInt8(ascii: "["))
            space(&out)
            for index in 0..<Int.random(in: 0...4, using: &random) {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                space(&out)
                value(&out, depth: depth + 1)
                space(&out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            out.append(UInt8(ascii: "{"))
            space(&out)
            var keys: [[UInt8]] = []
            for index in 0..<Int.random(in: 0...4, using: &random) {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                space(&out)
                // Now and then a key written before, to see which member wins.
                if !keys.isEmpty, chance(20) {
                    out += pick(keys)
                } else {
                    var key: [UInt8] = []
                    string(&key)
                    keys.append(key)
                    out += key
                }
                space(&out)
                out.append(UInt8(ascii: ":"))
                space(&out)
                value(&out, depth: depth + 1)
                space(&out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    mutating func digits(_ out: inout [UInt8], count: Int, leading nonZero: Bool) {
        for index in 0..<count { out.append(UInt8(ascii: "0") + UInt8(Int.random(in: (index == 0 && nonZero ? 1 : 0)...9, using: &random))) }
    }

    mutating func number(_ out: inout [UInt8]) {
        if chance(30) { out.append(UInt8(ascii: "-")) }
        if chance(20) {
            out.append(UInt8(ascii: "0"))
        } else {
            digits(&out, count: pick([1, 2, 5, 15, 18, 19, 20, 25, 40]), leading: true)
        }
        if chance(30) {
            out.append(UInt8(ascii: "."))
            digits(&out, count: pick([1, 2, 6, 20]), leading: false)
        }
        if chance(20) {
            out.append(pick(Array("eE".utf8)))
            if chance(60) { out.append(pick(Array("+-".utf8))) }
            digits(&out, count: pick([1, 2, 3]), leading: false)
        }
    }

    mutating func string(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for _ in 0..<Int.random(in: 0...8, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0: out += Array(pick(["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]).utf8)
            case 1: out += Array(String(format: "\\u%04x", pick([0, 0x1F, 0x41, 0x7F, 0xE9, 0x4E2D, 0xFFFD, 0xFFFF])).utf8)
            case 2: out += Array(pick(["\\ud83d\\ude00", "\\uD834\\uDD1E", "\\udbff\\udfff"]).utf8)
            case 3: out += Array(pick(["é", "中", "😀", "e\u{301}", "\u{7F}"]).utf8)
            default: out.append(pick(Array("abcxyz 019_-:,{}[]".utf8)))
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `document` with one to three bytes deleted, inserted or replaced.
    mutating func mutated(_ document: [UInt8]) -> [UInt8] {
        var out = document
        let interesting = Array(",:[]{}\"\\-.eE0159 tnuf".utf8) + [0x00, 0x01, 0x0A, 0x7F, 0x80, 0xC3, 0xED, 0xFF]
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let at = Int.random(in: 0...out.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where at < out.count: out.remove(at: at)
            case 1 where at < out.count: out[at] = pick(interesting)
            default: out.insert(pick(interesting), at: at)
            }
        }
        return out
    }
}
