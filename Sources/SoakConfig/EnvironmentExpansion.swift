/// Expands `${NAME}` and `${NAME:-default}` (defaults may nest) in config values; `$$` is a literal `$`.
///
/// An unset variable without a default is an error; a `$` followed by anything else is left as written.
struct EnvironmentExpansion {
    /// The environment the variables are read from.
    let environment: [String: String]

    /// Why a value could not be expanded.
    enum Failure: Error, Equatable {
        case unset(name: String)
        case unterminated
        case badName(String)
    }

    func expand(_ text: String) -> Result<String, Failure> {
        guard text.contains("$") else { return .success(text) }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
                continue
            }
            guard text[next] == "{" else {
                output.append(character)
                index = next
                continue
            }
            guard let close = Self.matchingBrace(in: text, from: next) else { return .failure(.unterminated) }
            let body = text[text.index(after: next)..<close]
            let name: Substring
            let fallback: Substring?
            if let colon = body.indices.first(where: { body[$0] == ":" && body[body.index(after: $0)...].first == "-" }) {
                name = body[..<colon]
                fallback = body[body.index(colon, offsetBy: 2)...]
            } else {
                name = body
                fallback = nil
            }
            guard Self.isValidName(name) else { return .failure(.badName(String(name))) }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                output += value
            } else if let fallback {
                // A default may itself hold ${...}: ${PULP_API_ROOT:-${TARGET_URL:-http://127.0.0.1:8080}}.
                switch expand(String(fallback)) {
                case .success(let expanded): output += expanded
                case .failure(let failure): return .failure(failure)
                }
            } else {
                return .failure(.unset(name: String(name)))
            }
            index = text.index(after: close)
        }
        return .success(output)
    }

    /// The `}` closing the `{` at `open`, skipping nested `${...}`.
    private static func matchingBrace(in text: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var index = open
        while index < text.endIndex {
            switch text[index] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func isValidName(_ name: Substring) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
