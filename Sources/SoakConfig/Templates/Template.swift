internal import Foundation

/// A string with `{{ expression }}` blocks, compiled when the config loads and rendered per request.
///
/// Expressions: `uuid`, `session_id`, `user.id`, `user.index`, `user.class`, `arrival.index`, `randint MIN MAX`,
/// `choice "a" "b" ...`, `now`, `now "-2h"` (ISO 8601, UTC, shifted by a duration), `pool "name"`,
/// `env "NAME"` (read once, at load), `private_ip`, and a quoted string (`{{ "{{" }}` writes `{{`).
public struct Template: Sendable, Equatable {
    enum Expression: Sendable, Equatable {
        case literal(String)
        case uuid
        case sessionID
        case userID
        case userIndex
        case userClass
        case arrivalIndex
        case randomInteger(ClosedRange<Int>)
        case choice([String])
        case now(offset: Duration)
        case pool(String)
        case privateIP
    }

    enum Segment: Sendable, Equatable {
        case text(String)
        case expression(Expression)
    }

    let segments: [Segment]

    /// The text as written, for messages.
    public let source: String

    /// The rendered text when the template has no expressions.
    public var constantText: String? {
        if segments.isEmpty { return "" }
        if segments.count == 1, case .text(let text) = segments[0] { return text }
        return nil
    }

    /// What templates may refer to: the pools defined, whether there are virtual users, the environment.
    public struct Scope: Sendable {
        public var pools: Set<String>
        public var hasUsers: Bool
        /// Whether requests are sent at an open-model scenario's arrivals (`arrival.index`).
        public var hasArrivals: Bool
        public var environment: [String: String]

        public init(pools: Set<String>, hasUsers: Bool, hasArrivals: Bool = false, environment: [String: String]) {
            self.pools = pools
            self.hasUsers = hasUsers
            self.hasArrivals = hasArrivals
            self.environment = environment
        }
    }

    static let functions = ["uuid", "session_id", "user.id", "user.index", "user.class", "arrival.index", "randint", "choice", "now", "pool", "env", "private_ip"]

    /// Compiles `text`; the error says what is wrong in words a config author can act on.
    public static func compile(_ text: String, scope: Scope) -> Result<Template, TemplateError> {
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { segments.append(.text(String(rest[..<open.lowerBound]))) }
            let close: Range<Substring.Index>
            switch closingBraces(in: rest[open.upperBound...]) {
            case .found(let range): close = range
            case .unterminatedString: return .failure(TemplateError("a string without its closing quote"))
            case .missing: return .failure(TemplateError("\"{{\" without a closing \"}}\"; write {{ \"{{\" }} for literal braces"))
            }
            let body = rest[open.upperBound..<close.lowerBound]
            switch expression(body, scope: scope) {
            case .success(let expression): segments.append(.expression(expression))
            case .failure(let error): return .failure(error)
            }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.text(String(rest))) }
        // Merge adjacent literal pieces so constant templates render without work.
        var merged: [Segment] = []
        for segment in segments {
            let text: String? =
                switch segment {
                case .text(let text): text
                case .expression(.literal(let text)): text
                default: nil
                }
            if let text, case .text(let previous)? = merged.last {
                merged[merged.count - 1] = .text(previous + text)
            } else if let text {
                merged.append(.text(text))
            } else {
                merged.append(segment)
            }
        }
        return .success(Template(segments: merged, source: text))
    }

    private enum Closing {
        case found(Range<Substring.Index>)
        case unterminatedString
        case missing
    }

    /// The `}}` that ends a block, skipping any inside quoted strings.
    private static func closingBraces(in text: Substring) -> Closing {
        var inString = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if inString, character == "\\" {
                index = text.index(after: index)
            } else if character == "\"" {
                inString.toggle()
            } else if !inString, character == "}", text[index...].hasPrefix("}}") {
                return .found(index..<text.index(index, offsetBy: 2))
            }
            if index < text.endIndex { index = text.index(after: index) }
        }
        return inString ? .unterminatedString : .missing
    }

    private enum Token: Equatable {
        case word(String)
        case string(String)
    }

    private static func tokens(_ body: Substring) -> Result<[Token], TemplateError> {
        var tokens: [Token] = []
        var index = body.startIndex
        while index < body.endIndex {
            let character = body[index]
            if character == " " || character == "\t" {
                index = body.index(after: index)
            } else if character == "\"" {
                var value = ""
                index = body.index(after: index)
                var closed = false
                while index < body.endIndex {
                    let next = body[index]
                    if next == "\\", body.index(after: index) < body.endIndex {
                        index = body.index(after: index)
                        value.append(body[index])
                    } else if next == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(next)
                    }
                    index = body.index(after: index)
                }
                guard closed else { return .failure(TemplateError("a string without its closing quote")) }
                tokens.append(.string(value))
                index = body.index(after: index)
            } else {
                let end = body[index...].firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) ?? body.endIndex
                tokens.append(.word(String(body[index..<end])))
                index = end
            }
        }
        return .success(tokens)
    }

    private static func expression(_ body: Substring, scope: Scope) -> Result<Expression, TemplateError> {
        let tokens: [Token]
        switch Self.tokens(body) {
        case .success(let parsed): tokens = parsed
        case .failure(let error): return .failure(error)
        }
        guard let first = tokens.first else { return .failure(TemplateError("an empty {{ }}; write an expression such as {{ uuid }}")) }
        guard case .word(let name) = first else {
            guard tokens.count == 1, case .string(let text) = first else {
                return .failure(TemplateError("a quoted string stands alone in {{ }}"))
            }
            return .success(.literal(text))
        }
        let arguments = Array(tokens.dropFirst())
        func noArguments(_ expression: Expression) -> Result<Expression, TemplateError> {
            arguments.isEmpty ? .success(expression) : .failure(TemplateError("\(name) takes no arguments"))
        }
        func needsUsers(_ expression: Expression) -> Result<Expression, TemplateError> {
            guard scope.hasUsers else {
                return .failure(TemplateError("\(name) needs virtual users; use it in a scenario with users and user_count"))
            }
            return noArguments(expression)
        }
        func oneString() -> String? {
            guard arguments.count == 1, case .string(let value) = arguments[0] else { return nil }
            return value
        }
        switch name {
        case "uuid": return noArguments(.uuid)
        case "private_ip": return noArguments(.privateIP)
        case "session_id": return needsUsers(.sessionID)
        case "user.id": return needsUsers(.userID)
        case "user.index": return needsUsers(.userIndex)
        case "user.class": return needsUsers(.userClass)
        case "arrival.index":
            guard scope.hasArrivals else {
                return .failure(TemplateError("arrival.index needs an open-model schedule; use it in a scenario with rate"))
            }
            return noArguments(.arrivalIndex)
        case "randint":
            guard arguments.count == 2, case .word(let low) = arguments[0], case .word(let high) = arguments[1],
                let min = Int(low), let max = Int(high)
            else { return .failure(TemplateError("randint takes two whole numbers, e.g. {{ randint 800 1000 }}")) }
            guard min <= max else { return .failure(TemplateError("randint \(min) \(max): the first number must not be larger")) }
            return .success(.randomInteger(min...max))
        case "choice":
            var options: [String] = []
            for argument in arguments {
                guard case .string(let option) = argument else {
                    return .failure(TemplateError("choice takes quoted strings, e.g. {{ choice \"a\" \"b\" }}"))
                }
                options.append(option)
            }
            guard !options.isEmpty else { return .failure(TemplateError("choice needs at least one quoted string")) }
            return .success(.choice(options))
        case "now":
            if arguments.isEmpty { return .success(.now(offset: .zero)) }
            guard let text = oneString() else { return .failure(TemplateError("now takes one quoted duration, e.g. {{ now \"-2h\" }}")) }
            let negative = text.hasPrefix("-")
            let magnitude = negative || text.hasPrefix("+") ? String(text.dropFirst()) : text
            guard let duration = DurationSyntax.parse(magnitude) else {
                return .failure(TemplateError("now \"\(text)\": invalid duration; \(DurationSyntax.hint), with - for the past"))
            }
            guard duration <= Limits.timeOffset else {
                return .failure(TemplateError("now \"\(text)\": more than the limit of \(DurationSyntax.format(Limits.timeOffset)) away; shift less"))
            }
            return .success(.now(offset: negative ? .zero - duration : duration))
        case "pool":
            guard let pool = oneString() else { return .failure(TemplateError("pool takes one quoted pool name, e.g. {{ pool \"ids\" }}")) }
            guard scope.pools.contains(pool) else {
                let known = scope.pools.sorted().joined(separator: ", ")
                return .failure(TemplateError("pool \"\(pool)\" is not defined in this scenario's pools (defined: \(known.isEmpty ? "none" : known))"))
            }
            return .success(.pool(pool))
        case "env":
            guard let variable = oneString() else { return .failure(TemplateError("env takes one quoted variable name, e.g. {{ env \"REGION\" }}")) }
            guard let value = scope.environment[variable] else {
                return .failure(TemplateError("environment variable \(variable) is not set; set it before soak starts"))
            }
            return .success(.literal(value))
        default:
            return .failure(TemplateError("unknown function \"\(name)\" (known: \(functions.joined(separator: ", ")))"))
        }
    }
}

/// Why a template did not compile.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
