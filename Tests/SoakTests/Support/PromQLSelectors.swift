import Foundation

/// One vector selector of a PromQL expression: its metric name, the text of its label matchers, its
/// range (`[...]`) if it has one, and the function or aggregation it is the argument of.
struct PromQLSelector: Equatable {
    var name: String?
    var matchers = ""
    var range: String?
    var function: String?
}

/// A small PromQL scanner, enough for soak's dashboards and rules: it finds the vector selectors and
/// what each is inside, skipping strings, numbers and durations, keywords, and grouping label lists.
enum PromQLSelectors {
    static let aggregations: Set = [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    ]
    static let groupings: Set = ["by", "without", "on", "ignoring", "group_left", "group_right"]
    static let keywords: Set = ["and", "or", "unless", "bool", "offset", "inf", "nan"]

    static func selectors(in expr: String) -> [PromQLSelector] {
        let text = Array(expr)
        var index = 0
        var found: [PromQLSelector] = []
        // The function (or nil, for a plain parenthesis) of each open parenthesis.
        var calls: [String?] = []
        var pendingAggregation: String?

        func skipSpaces() { while index < text.count, text[index].isWhitespace { index += 1 } }
        /// Reads from an opening bracket to its closing one, strings included; returns what is between.
        func enclosed(_ open: Character, _ close: Character) -> String {
            var depth = 0
            var inString: Character?
            let start = index + 1
            while index < text.count {
                let character = text[index]
                if let quote = inString {
                    if character == "\\" { index += 1 } else if character == quote { inString = nil }
                } else if character == "\"" || character == "'" {
                    inString = character
                } else if character == open {
                    depth += 1
                } else if character == close {
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return String(text[start..<(index - 1)])
                    }
                }
                index += 1
            }
            return String(text[start...])
        }
        func selector(named name: String?) {
            var selector = PromQLSelector(name: name, function: calls.last ?? nil)
            skipSpaces()
            if index < text.count, text[index] == "{" { selector.matchers = enclosed("{", "}") }
            skipSpaces()
            if index < text.count, text[index] == "[" { selector.range = enclosed("[", "]") }
            found.append(selector)
        }

        while index < text.count {
            let character = text[index]
            if character == "\"" || character == "'" {
                index += 1
                while index < text.count, text[index] != character { index += text[index] == "\\" ? 2 : 1 }
                index += 1
            } else if character.isNumber || (character == "." && index + 1 < text.count && text[index + 1].isNumber) {
                // A number or a duration such as 1d or 1h30m.
                while index < text.count, text[index].isLetter || text[index].isNumber || text[index] == "." { index += 1 }
            } else if character.isLetter || character == "_" || character == ":" {
                let start = index
                while index < text.count, text[index].isLetter || text[index].isNumber || text[index] == "_" || text[index] == ":" { index += 1 }
                let word = String(text[start..<index])
                let after = index
                skipSpaces()
                let opensCall = index < text.count && text[index] == "("
                if groupings.contains(word.lowercased()) {
                    if opensCall { _ = enclosed("(", ")") }
                } else if keywords.contains(word.lowercased()) {
                    index = after
                } else if aggregations.contains(word) {
                    pendingAggregation = word
                    index = after
                } else if opensCall {
                    calls.append(word)
                    index += 1
                } else {
                    index = after
                    selector(named: word)
                }
            } else if character == "{" {
                selector(named: nil)
            } else if character == "(" {
                calls.append(pendingAggregation)
                pendingAggregation = nil
                index += 1
            } else if character == ")" {
                if !calls.isEmpty { calls.removeLast() }
                index += 1
            } else {
                index += 1
            }
        }
        return found
    }
}
