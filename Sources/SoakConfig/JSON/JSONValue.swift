/// A JSON value as parsed by ``JSONParser`` (RFC 8259): objects keep their members in the order
/// written, numbers keep their text. Soak parses every JSON answer once into this and reads it with
/// ``JSONPath``.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses a whole document (any value at the top, a UTF-8 byte order mark allowed); the error
    /// names the byte offset and what is wrong there.
    public init(parsing bytes: some Sequence<UInt8>) throws(JSONParseError) {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer) }
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer) }
        }
        self = try result.get()
    }

    /// The member `key` of an object (the last one where a key is repeated); nil for anything else.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { object[key] } else { nil }
    }

    /// The text of a string; nil for anything else.
    public var string: String? {
        if case .string(let text) = self { text } else { nil }
    }
}

extension JSONValue: Encodable {
    /// Writes the value back; whole numbers below 10^15 as integers, others as doubles (a task's
    /// `result` in results_file), objects with their last member per key.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let number):
            var container = encoder.singleValueContainer()
            let value = number.double
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let values):
            var container = encoder.singleValueContainer()
            try container.encode(values)
        case .object(let object):
            var container = encoder.container(keyedBy: JSONObject.MemberKey.self)
            var last: [String: Int] = [:]
            for (index, member) in object.members.enumerated() { last[member.key] = index }
            for (index, member) in object.members.enumerated() where last[member.key] == index {
                try container.encode(member.value, forKey: JSONObject.MemberKey(stringValue: member.key))
            }
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(integerLiteral: value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) })) }
}
