@testable import SoakConfig
import Testing

@Suite("The JSON parser: strict RFC 8259 over bytes")
struct JSONParserTests {
    @Test(arguments: [
        ("null", .null),
        (" \t\r\n true \n", true),
        ("false", false),
        ("\u{FEFF}[1]", [1]),
        ("0", .number(JSONNumber(text: "0"))),
        ("-0", .number(JSONNumber(text: "-0"))),
        ("-0.0e+0", .number(JSONNumber(text: "-0.0e+0"))),
        ("1.5E-3", .number(JSONNumber(text: "1.5E-3"))),
        ("123456789012345678901234567890", .number(JSONNumber(text: "123456789012345678901234567890"))),
        ("1e-400", .number(JSONNumber(text: "1e-400"))),
        (#""""#, ""),
        (#""a\"b\\c\/d\b\f\n\r\t""#, "a\"b\\c/d\u{8}\u{C}\n\r\t"),
        (#""\u00e9\u00E9 é \u4e2d \ud83d\ude00 😀""#, "éé é 中 😀 😀"),
        (#""nul\u0000 del\u007f""#, "nul\u{0} del\u{7F}"),
        (#"{"a":1,"b":[true,null,{}],"c":{"d":"e"},"f":[]}"#, ["a": 1, "b": [true, .null, [:]], "c": ["d": "e"], "f": []]),
        (#"{ "z" : 1 , "a" : 2 , "z" : 3 }"#, .object(JSONObject([(key: "z", value: 1), (key: "a", value: 2), (key: "z", value: 3)]))),
    ] as [(String, JSONValue)])
    func validDocumentsParse(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text.utf8) == expected)
    }

    @Test(arguments: [
        ("", 0, "no value in the document"),
        ("   ", 3, "no value in the document"),
        ("[1,2", 4, "the document ends inside an array"),
        (#"{"a":"#, 5, "the document ends where a value is expected"),
        (#""abc"#, 0, "the document ends inside a string"),
        (#""\u12"#, 5, "the document ends inside a string"),
        ("tru", 3, "the document ends inside true"),
        ("-", 1, "the document ends inside a number"),
        ("1.", 2, "the document ends inside a number"),
        ("1e+", 3, "the document ends inside a number"),
        ("[1]x", 3, #"expected the end of the document after its value, found "x""#),
        ("1 2", 2, #"expected the end of the document after its value, found "2""#),
        ("[1,]", 3, "a trailing comma in an array"),
        (#"{"a":1,}"#, 7, "a trailing comma in an object"),
        ("[1 2]", 3, #"expected "," or "]" in an array, found "2""#),
        (#"{"a" 1}"#, 5, #"expected ":" after a member name, found "1""#),
        ("{a:1}", 1, #"expected a member name in quotes, found "a""#),
        ("01", 1, "a number with a leading zero"),
        ("-01", 2, "a number with a leading zero"),
        (".5", 0, #"expected a value, found ".""#),
        ("+1", 0, #"expected a value, found "+""#),
        ("-a", 1, #"expected a digit after "-", found "a""#),
        ("1.e5", 2, #"expected a digit after ".", found "e""#),
        ("1e", 2, "the document ends inside a number"),
        ("1E400", 0, "the number 1E400 is too large for a double"),
        ("-1e309", 0, "the number -1e309 is too large for a double"),
        ("NaN", 0, #"expected a value, found "N""#),
        ("nul", 3, "the document ends inside null"),
        ("nulx", 0, #"expected null, found "x""#),
        ("[falsy]", 1, #"expected false, found "y""#),
        ("\"a\u{1}b\"", 2, "a control character (byte 0x1) in a string; write it as an escape"),
        ("\"a\tb\"", 2, "a control character (byte 0x9) in a string; write it as an escape"),
        (#""\x""#, 1, #"an invalid escape "\x" in a string; JSON has \" \\ \/ \b \f \n \r \t \uXXXX"#),
        (#""\u12g4""#, 5, #"expected four hex digits after \u, found "g""#),
        (#""\ud800""#, 1, "a high surrogate escape without a low surrogate after it"),
        (#""\ud800\u0041""#, 1, "a high surrogate escape without a low surrogate after it"),
        (#""\udc00""#, 1, "a low surrogate escape without a high surrogate before it"),
        ("'a'", 0, #"expected a value, found "'""#),
        ("[1]\u{0}", 3, "expected the end of the document after its value, found byte 0x0"),
    ] as [(String, Int, String)])
    func invalidDocumentsAreRefusedWithTheirPlace(_ text: String, _ offset: Int, _ reason: String) {
        #expect(throws: JSONParseError(offset: offset, reason: reason)) { try JSONValue(parsing: text.utf8) }
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22]] {
            #expect(throws: JSONParseError(offset: 0, reason: "invalid UTF-8 in the string")) { try JSONValue(parsing: bytes) }
        }
        // UTF-16 (which JSONSerialization guesses from its zero bytes) is not JSON as RFC 8259 exchanges it.
        #expect(throws: JSONParseError(offset: 0, reason: "expected a value, found byte 0xFF")) { try JSONValue(parsing: [0xFF, 0xFE, 0x5B, 0, 0x5D, 0]) }
    }

    @Test func nestingIsBoundedWithoutExhaustingTheStack() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        var current: JSONValue? = try JSONValue(parsing: deepest.utf8)
        var depth = 0
        while case .array(let elements)? = current {
            depth += 1
            current = elements.first
        }
        #expect(depth == 512)
        for tooDeep in [String(repeating: "[", count: 513), String(repeating: #"{"a":"#, count: 100_000)] {
            #expect(throws: JSONParseError(offset: 512 * (tooDeep.hasPrefix("[") ? 1 : 5), reason: "arrays and objects nest deeper than 512 levels")) {
                try JSONValue(parsing: tooDeep.utf8)
            }
        }
    }

    @Test func bigDocumentsParse() throws {
        let elements = (0..<20_000).map { #"{"id":\#($0),"name":"item \#($0)","ok":true}"# }
        guard case .array(let items) = try JSONValue(parsing: ("[" + elements.joined(separator: ",") + "]").utf8) else {
            Issue.record("not an array")
            return
        }
        #expect(items.count == 20_000)
        #expect(items[19_999]["name"] == "item 19999")
    }

    @Test(arguments: [
        ("1", 1.0), ("-0", 0.0), ("1.0", 1.0), ("2.5E-3", 0.0025), ("12345678901234567890", 12_345_678_901_234_567_890.0), ("1e-400", 0.0),
    ])
    func numbersKeepTheirTextAndReadAsDoubles(_ text: String, _ expected: Double) throws {
        guard case .number(let number) = try JSONValue(parsing: text.utf8) else {
            Issue.record("\(text) is not a number")
            return
        }
        #expect(number.text == text)
        #expect(number.double == expected && number.double.sign == expected.sign)
    }

    @Test func objectsKeepTheirOrderAndTheLastDuplicateWins() throws {
        let value = try JSONValue(parsing: #"{"b":1,"a":2,"b":3}"#.utf8)
        guard case .object(let object) = value else {
            Issue.record("not an object")
            return
        }
        #expect(object.members.map(\.key) == ["b", "a", "b"])
        #expect(value["b"] == 3)
        #expect(object.count == 2)
        #expect(try JSONPath(parsing: "length()").number(in: value) == 2)
    }
}
