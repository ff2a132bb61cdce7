/// Why an HTTP pool's answer gave no values; the message says what was found instead.
public struct PoolAnswerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

extension HTTPPoolSource.Format {
    /// The values in an answer's body, in order: strings as they are (whole numbers as numbers),
    /// numbers, booleans as `true`/`false`; nulls, lists and objects are skipped. An answer without
    /// any value, or with more than ``Limits/poolValues``, is an error.
    public func values(in body: [UInt8]) -> Result<[TemplateValue], PoolAnswerError> {
        let values: [TemplateValue]
        switch self {
        case .json(let path):
            guard let document = try? JSONValue(parsing: body) else {
                return .failure(PoolAnswerError(description: "the answer is not JSON: \(Excerpt.of(body))"))
            }
            var found = path.values(in: document)
            // A path to a list takes its elements.
            if found.count == 1, case .array(let list) = found[0] { found = list }
            values = found.compactMap(Self.value)
        case .jsonLines(let path):
            var collected: [TemplateValue] = []
            for (number, line) in body.split(separator: UInt8(ascii: "\n")).enumerated() {
                let text = line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...]
                if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                guard let document = try? JSONValue(parsing: text) else {
                    return .failure(PoolAnswerError(description: "line \(number + 1) is not JSON: \(Excerpt.of(Array(text)))"))
                }
                if let value = path.value(in: document).flatMap(Self.value) { collected.append(value) }
                if collected.count > Limits.poolValues { break }
            }
            values = collected
        case .csv(let column), .tsv(let column):
            let text = String(decoding: body, as: UTF8.self)
            let rows = self == .csv(column: column) ? CSV.rows(text) : TabSeparated.rows(text)
            guard let header = rows.first, let index = header.firstIndex(of: column) else {
                let found = rows.first.map { $0.map { "\"\($0)\"" }.joined(separator: ", ") } ?? "nothing"
                return .failure(PoolAnswerError(description: "the header row has no column \"\(column)\" (it has \(found)); ask for a header row, e.g. FORMAT CSVWithNames"))
            }
            values = rows.dropFirst().compactMap { row in
                guard index < row.count, !row[index].isEmpty else { return nil }
                return Int(row[index]).map { .integer($0) } ?? .string(row[index])
            }
        }
        guard !values.isEmpty else { return .failure(PoolAnswerError(description: "the answer holds no values there: \(Excerpt.of(body))")) }
        guard values.count <= Limits.poolValues else {
            return .failure(PoolAnswerError(description: "the answer holds more than the limit of \(Limits.poolValues) values; ask for fewer (LIMIT)"))
        }
        return .success(values)
    }

    /// A JSON value as a pool value; nil for null, lists and objects. Strings as they are (whole
    /// numbers as numbers), booleans as `true`/`false`; a number as an integer where it is one (an
    /// integer beyond `Int` but within `UInt64` as its text, a larger one or a fraction as its `Double`).
    private static func value(_ json: JSONValue) -> TemplateValue? {
        switch json {
        case .string(let string):
            return Int(string).map { .integer($0) } ?? .string(string)
        case .bool(let flag):
            return .string(flag ? "true" : "false")
        case .number(let number):
            if number.isInteger {
                if let integer = Int(number.text) { return .integer(integer) }
                if UInt64(number.text) != nil { return .string(number.text) }
            }
            let double = number.double
            return Int(exactly: double).map { .integer($0) } ?? .string("\(double)")
        default:
            return nil
        }
    }
}
