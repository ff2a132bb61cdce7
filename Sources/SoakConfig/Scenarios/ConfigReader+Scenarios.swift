internal import Foundation
internal import Yams

extension ConfigReader {
    func template(_ node: Node, path: String, scope: Template.Scope) -> Template? {
        guard let text = string(node, path: path) else { return nil }
        switch Template.compile(text, scope: scope) {
        case .success(let template):
            return template
        case .failure(let error):
            report("\(path): in template \"\(text)\": \(error)", at: node)
            return nil
        }
    }

    /// A mapping of names to templates (query parameters or headers), in the order written.
    func templateMap(_ node: Node, path: String, scope: Template.Scope, headerNames: Bool) -> [(name: String, value: Template)] {
        var result: [(name: String, value: Template)] = []
        for entry in namedEntries(node, path: path, what: headerNames ? "header names to values" : "parameter names to values") ?? [] {
            let entryPath = "\(path).\(entry.name)"
            if headerNames, entry.name.isEmpty || !entry.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                report("\(entryPath): invalid header name; use letters, digits and -", at: entry.keyNode)
                continue
            }
            if let template = template(entry.value, path: entryPath, scope: scope) {
                result.append((entry.name, template))
            }
        }
        return result
    }

    /// A YAML mapping or list as a JSON body; strings may hold templates.
    func jsonTemplate(_ node: Node, path: String, scope: Template.Scope) -> JSONTemplate? {
        switch node {
        case .mapping(let mapping):
            // Every member is checked, so one bad template does not hide the next.
            var members: [(key: String, value: JSONTemplate)] = []
            var valid = true
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.scalar?.string else {
                    report("\(path): JSON keys must be strings", at: keyNode)
                    valid = false
                    continue
                }
                if let value = jsonTemplate(valueNode, path: "\(path).\(key)", scope: scope) {
                    members.append((key, value))
                } else {
                    valid = false
                }
            }
            return valid ? .object(members) : nil
        case .sequence(let sequence):
            var elements: [JSONTemplate] = []
            var valid = true
            for (index, element) in sequence.enumerated() {
                if let value = jsonTemplate(element, path: "\(path)[\(index)]", scope: scope) {
                    elements.append(value)
                } else {
                    valid = false
                }
            }
            return valid ? .array(elements) : nil
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.isNull { return .literal("null") }
                let name = node.tag.rawValue
                if name == Tag.Name.bool.rawValue, let bool = node.bool { return .literal(bool ? "true" : "false") }
                if name == Tag.Name.int.rawValue, let int = node.int { return .literal(String(int)) }
                if name == Tag.Name.float.rawValue, let float = node.float, float.isFinite { return .literal(String(float)) }
            }
            return template(node, path: path, scope: scope).map { .string($0) }
        case .alias:
            report("\(path): aliases are not supported in bodies", at: node)
            return nil
        }
    }

    /// `expect_status`: codes (200), classes ("2xx"), or a list of them.
    func statusExpectation(_ node: Node, path: String) -> HTTPRequestConfig.StatusExpectation? {
        let items = node.sequence.map(Array.init) ?? [node]
        var classes: Set<Int> = []
        var codes: Set<Int> = []
        for item in items {
            guard let text = string(item, path: path, expected: "a status code such as 200 or a class such as 2xx") else { return nil }
            if let code = Int(text), (100...599).contains(code) {
                codes.insert(code)
            } else if text.count == 3, text.lowercased().hasSuffix("xx"), let first = Int(text.prefix(1)), (1...5).contains(first) {
                classes.insert(first)
            } else {
                report("\(path): \"\(text)\" is not a status code (100-599) or class (1xx-5xx)", at: item)
                return nil
            }
        }
        return .accept(classes: classes, codes: codes)
    }

    /// A JSON path; `several` allows `[]` (every element), which only a task probe's href paths take.
    func jsonPath(_ node: Node, path: String, several: Bool) -> JSONPath? {
        guard let text = string(node, path: path) else { return nil }
        do {
            let parsed = try JSONPath(parsing: text)
            if parsed.leadsToSeveral, !several {
                report("\(path): \"\(text)\" has [], which leads to several values; name one element, e.g. [0]", at: node)
                return nil
            }
            return parsed
        } catch {
            report("\(path): \(error)", at: node)
            return nil
        }
    }

    /// `checks`: `{ json: PATH }`, `{ json: PATH, equals: VALUE }` or `{ regex: PATTERN }`.
    func bodyChecks(_ node: Node, path: String) -> [RequestConfig.BodyCheck] {
        var checks: [RequestConfig.BodyCheck] = []
        for (index, item) in (sequence(node, path: path) ?? []).enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let fields = mapping(item, path: itemPath, known: ["json", "equals", "regex"]) else { continue }
            switch (fields["json"], fields["regex"]) {
            case (.some(let jsonNode), nil):
                guard let jsonPath = jsonPath(jsonNode, path: fields.path("json"), several: false) else { continue }
                if let equalsNode = fields["equals"], let expected = string(equalsNode, path: fields.path("equals")) {
                    checks.append(.jsonEquals(jsonPath, expected))
                } else {
                    checks.append(.jsonExists(jsonPath))
                }
            case (nil, .some(let regexNode)):
                guard let pattern = string(regexNode, path: fields.path("regex")) else { continue }
                do {
                    _ = try NSRegularExpression(pattern: pattern)
                    checks.append(.regex(pattern: pattern))
                } catch {
                    report("\(fields.path("regex")): invalid regular expression \"\(pattern)\"", at: regexNode)
                }
            default:
                report("\(itemPath): set json (with optional equals) or regex", at: item)
            }
        }
        return checks
    }

    /// Histogram bucket upper bounds in seconds, written as durations or numbers, increasing.
    func buckets(_ node: Node, path: String) -> [Double]? {
        var bounds: [Double] = []
        for item in sequence(node, path: path) ?? [] {
            guard let text = string(item, path: path) else { return nil }
            let seconds = Double(text) ?? DurationSyntax.parse(text).map(DurationSyntax.seconds)
            guard let seconds, seconds > 0, seconds.isFinite else {
                report("\(path): \"\(text)\" is not a positive number of seconds or a duration", at: item)
                return nil
            }
            guard bounds.count < Limits.latencyBuckets else {
                report("\(path): more than \(Limits.latencyBuckets) bounds; use fewer", at: item)
                return nil
            }
            if let last = bounds.last, seconds <= last {
                report("\(path): bucket bounds must increase", at: item)
                return nil
            }
            bounds.append(seconds)
        }
        return bounds.isEmpty ? nil : bounds
    }

    /// `wait`: `2s` or `500ms..1s`.
    func wait(_ node: Node, path: String) -> ScenarioConfig.Wait? {
        guard let text = string(node, path: path, expected: "a wait such as 1s..2s") else { return nil }
        let bounds = text.components(separatedBy: "..")
        let durations = bounds.map { DurationSyntax.parse($0.trimmingCharacters(in: .whitespaces)) }
        if durations.count <= 2, durations.contains(where: { ($0 ?? .zero) > Limits.wait }) {
            report("\(path): \"\(text)\" waits longer than the limit of \(DurationSyntax.format(Limits.wait)); wait less", at: node)
            return nil
        }
        if durations.count == 1, let duration = durations[0] {
            return .constant(duration)
        }
        if durations.count == 2, let low = durations[0], let high = durations[1], low <= high {
            return .between(low, high)
        }
        report("\(path): invalid wait \"\(text)\"; write a duration (500ms) or a range (1s..2s), shorter first", at: node)
        return nil
    }
}
