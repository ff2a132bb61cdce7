/// A path into a JSON document: dot fields, `[n]` indexes and a final `length()`, e.g.
/// `database_connection.connected`, `tasks[0].task_href`, `online_workers.length()`; and, where a
/// path may lead to several values (a task probe's hrefs), `[]` for every element: `tasks[].task_href`.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    enum Step: Sendable, Equatable {
        case field(String)
        case index(Int)
        case each
        case length
    }

    let steps: [Step]
    public let description: String

    /// Parses `text`; the error names what is wrong.
    public init(parsing text: String) throws(TemplateError) {
        var steps: [Step] = []
        var rest = Substring(text)
        guard !rest.isEmpty else { throw TemplateError("an empty JSON path; write fields separated by dots, e.g. status or items[0].id") }
        while !rest.isEmpty {
            if rest.hasPrefix("length()") {
                steps.append(.length)
                rest = rest.dropFirst("length()".count)
                guard rest.isEmpty else { throw TemplateError("length() must end the path \"\(text)\"") }
                break
            }
            let name = rest.prefix(while: { $0 != "." && $0 != "[" })
            guard !name.contains("]"), !name.contains("("), !name.contains(")") else {
                throw TemplateError("unexpected character in field \"\(name)\" of \"\(text)\"")
            }
            if !name.isEmpty { steps.append(.field(String(name))) }
            rest = rest.dropFirst(name.count)
            while rest.hasPrefix("[") {
                if rest.hasPrefix("[]") {
                    steps.append(.each)
                    rest = rest.dropFirst(2)
                    continue
                }
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0
                else { throw TemplateError("invalid index in \"\(text)\"; write [0], [1], ...") }
                steps.append(.index(index))
                rest = rest[rest.index(after: close)...]
            }
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                guard !rest.isEmpty, !rest.hasPrefix("."), !rest.hasPrefix("[") else {
                    throw TemplateError("a field name is missing in \"\(text)\"")
                }
            } else if !rest.isEmpty {
                throw TemplateError("unexpected \"\(rest.prefix(1))\" in \"\(text)\"")
            }
        }
        self.steps = steps
        self.description = text
    }

    /// Whether the path has a `[]` step, and so may lead to several values.
    public var leadsToSeveral: Bool { steps.contains(.each) }

    /// Every value the path leads to in `document`: `[]` takes each element of an array.
    public func values(in document: JSONValue) -> [JSONValue] {
        var current: [JSONValue] = [document]
        for step in steps {
            if step == .each {
                current = current.flatMap { value -> [JSONValue] in
                    if case .array(let elements) = value { elements } else { [] }
                }
            } else {
                current = current.compactMap { Self.value(after: step, in: $0) }
            }
        }
        return current
    }

    /// The value at the path in `document`, or nil where it leads nowhere (or through a `[]`).
    public func value(in document: JSONValue) -> JSONValue? {
        var current = document
        for step in steps {
            guard let next = Self.value(after: step, in: current) else { return nil }
            current = next
        }
        return current
    }

    /// Where one step leads from `value`: a member, an element, or the count of elements, members
    /// or characters for `length()`; nil where it leads nowhere.
    private static func value(after step: Step, in value: JSONValue) -> JSONValue? {
        switch (step, value) {
        case (.field(let name), .object(let object)):
            object[name]
        case (.index(let index), .array(let elements)):
            index < elements.count ? elements[index] : nil
        case (.length, .array(let elements)):
            .number(JSONNumber(integerLiteral: elements.count))
        case (.length, .object(let object)):
            .number(JSONNumber(integerLiteral: object.count))
        case (.length, .string(let text)):
            .number(JSONNumber(integerLiteral: text.count))
        default:
            nil
        }
    }

    /// The value as a number: numbers as they are, booleans as 1 and 0, numeric strings parsed.
    public func number(in document: JSONValue) -> Double? {
        switch value(in: document) {
        case .number(let number)?: number.double
        case .bool(let flag)?: flag ? 1 : 0
        case .string(let text)?: Double(text)
        default: nil
        }
    }
}
