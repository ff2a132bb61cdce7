/// A JSON object's members in the order written. A key written twice keeps both members; lookups
/// take the last, as Foundation's `JSONSerialization` does.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// The members as written, duplicates included.
    public let members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)]) {
        self.members = members
    }

    public typealias Key = String
    public typealias Value = JSONValue

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    /// The value of the last member named `key`, or nil.
    public subscript(key: String) -> JSONValue? {
        members.last { $0.key == key }?.value
    }

    /// How many distinct keys the object has.
    public var count: Int {
        Set(members.lazy.map(\.key)).count
    }

    /// Equal when the same members are written in the same order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.elementsEqual(rhs.members) { $0.key == $1.key && $0.value == $1.value }
    }

    /// A member name as a coding key, to write an object back.
    struct MemberKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
