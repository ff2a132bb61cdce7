internal import Foundation

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

    /// Every value the path leads to in a document from `JSONSerialization`: `[]` takes each element.
    public func values(in document: Any) -> [Any] {
        var current: [Any] = [document]
        for step in steps {
            if step == .each {
                current = current.flatMap { ($0 as? [Any]) ?? [] }
            } else {
                current = current.compactMap { JSONPath(steps: [step], description: description).value(in: $0) }
            }
        }
        return current
    }

    private init(steps: [Step], description: String) {
        self.steps = steps
        self.description = description
    }

    /// The value at the path in a document from `JSONSerialization`, or nil where it leads nowhere.
    public func value(in document: Any) -> Any? {
        var current: Any = document
        for step in steps {
            switch step {
            case .field(let name):
                guard let object = current as? [String: Any], let next = object[name] else { return nil }
                current = next
            case .index(let index):
                guard let array = current as? [Any], index < array.count else { return nil }
                current = array[index]
            case .each:
                return nil
            case .length:
                if let array = current as? [Any] { return array.count }
                if let object = current as? [String: Any] { return object.count }
                if let string = current as? String { return string.count }
                return nil
            }
        }
        return current
    }

    /// The value as a number: numbers as they are, booleans as 1 and 0, numeric strings parsed.
    public func number(in document: Any) -> Double? {
        switch value(in: document) {
        case let number as NSNumber:
            return number.doubleValue
        case let string as String:
            return Double(string)
        case let count as Int:
            return Double(count)
        default:
            return nil
        }
    }
}
