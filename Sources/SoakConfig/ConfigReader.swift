internal import Yams

/// Walks a composed YAML tree: checks keys, converts scalars, expands `${VAR}`, reads `*_file`
/// secrets, and collects every problem with its line and column instead of stopping at the first.
final class ConfigReader {
    let file: String
    let baseDirectory: String
    let expansion: EnvironmentExpansion
    private(set) var problems: [ConfigProblem] = []

    init(file: String, baseDirectory: String, environment: [String: String]) {
        self.file = file
        self.baseDirectory = baseDirectory
        self.expansion = EnvironmentExpansion(environment: environment)
    }

    func report(_ message: String, at node: Node?) {
        problems.append(ConfigProblem(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message))
    }

    /// The entries of a mapping whose keys must all be in `known`; nil (and a problem) if `node` is not a mapping.
    func mapping(_ node: Node, path: String, known: [String]) -> Fields? {
        guard let mapping = node.mapping else {
            report("\(path.isEmpty ? "the config" : path): expected a mapping of \(known.joined(separator: ", ")), found \(node.kindName)", at: node)
            return nil
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report("\(path.isEmpty ? "the config" : path): keys must be plain strings, found \(keyNode.kindName)", at: keyNode)
                continue
            }
            guard known.contains(key) else {
                report(Self.unknownKeyMessage(key, path: path, known: known), at: keyNode)
                continue
            }
            entries.append((key, keyNode, value))
        }
        return Fields(path: path, node: node, entries: entries)
    }

    /// The entries of a mapping whose keys are names chosen by the user (targets, headers).
    func namedEntries(_ node: Node, path: String, what: String) -> [(name: String, keyNode: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            report("\(path): expected a mapping of \(what), found \(node.kindName)", at: node)
            return nil
        }
        var entries: [(name: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report("\(path): keys must be plain strings, found \(keyNode.kindName)", at: keyNode)
                continue
            }
            entries.append((key, keyNode, value))
        }
        return entries
    }

    /// A scalar's text with `${VAR}` expanded.
    func string(_ node: Node, path: String, expected: String = "a string") -> String? {
        guard let scalar = node.scalar else {
            report("\(path): expected \(expected), found \(node.kindName)", at: node)
            return nil
        }
        switch expansion.expand(scalar.string) {
        case .success(let text):
            return text
        case .failure(.unset(let name)):
            report("\(path): environment variable \(name) is not set; set it, or give a default with ${\(name):-default}", at: node)
        case .failure(.unterminated):
            report("\(path): \"${\" without a closing \"}\"; write ${NAME}, or $$ for a literal $", at: node)
        case .failure(.badName(let name)):
            report("\(path): \"\(name)\" is not a valid environment variable name; write ${NAME}, or $$ for a literal $", at: node)
        }
        return nil
    }

    func nonEmptyString(_ node: Node, path: String) -> String? {
        guard let text = string(node, path: path) else { return nil }
        guard !text.isEmpty else {
            report("\(path): must not be empty", at: node)
            return nil
        }
        return text
    }

    /// A duration of at most `maximum` (one of ``Limits``).
    /// A name used as a label value: letters, digits, `_` and `-`, starting with a letter.
    func labelName(_ node: Node, path: String) -> String? {
        guard let name = nonEmptyString(node, path: path) else { return nil }
        guard let first = name.first, first.isASCII, first.isLetter,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else {
            report("\(path): invalid name \"\(name)\"; use letters, digits, _ and -, starting with a letter", at: node)
            return nil
        }
        return name
    }

    /// The items of a YAML list.
    func sequence(_ node: Node, path: String) -> [Node]? {
        guard let sequence = node.sequence else {
            report("\(path): expected a list, found \(node.kindName)", at: node)
            return nil
        }
        return Array(sequence)
    }

    /// A whole number from `minimum` to `maximum` (one of ``Limits``).
    func integer(_ node: Node, path: String, minimum: Int, maximum: Int) -> Int? {
        guard let text = string(node, path: path, expected: "a whole number") else { return nil }
        guard let value = Int(text) else {
            let isNumber = !text.isEmpty && text.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy { $0.isASCII && $0.isNumber }
            report(
                isNumber ? "\(path): \(text) is beyond the limit of \(maximum); use at most \(maximum)" : "\(path): expected a whole number, found \"\(text)\"",
                at: node)
            return nil
        }
        guard value >= minimum else {
            report("\(path): must be at least \(minimum), found \(value)", at: node)
            return nil
        }
        guard value <= maximum else {
            report("\(path): \(value) is beyond the limit of \(maximum); use at most \(maximum)", at: node)
            return nil
        }
        return value
    }

    /// A share written as `30%` or `0.3`.
    func fraction(_ node: Node, path: String) -> Double? {
        guard let text = string(node, path: path, expected: "a percentage such as 30%") else { return nil }
        guard let value = ShareSyntax.parse(text), value >= 0, value.isFinite else {
            report("\(path): expected a percentage such as 30% or a fraction such as 0.3, found \"\(text)\"", at: node)
            return nil
        }
        return value
    }

    func duration(_ node: Node, path: String, maximum: Duration) -> Duration? {
        guard let text = string(node, path: path, expected: "a duration such as 30s") else { return nil }
        guard let duration = DurationSyntax.parse(text) else {
            report("\(path): invalid duration \"\(text)\": \(DurationSyntax.hint)", at: node)
            return nil
        }
        guard duration <= maximum else {
            report("\(path): \(text) is longer than the limit of \(DurationSyntax.format(maximum)); make it shorter", at: node)
            return nil
        }
        return duration
    }

    func positiveDuration(_ node: Node, path: String, maximum: Duration) -> Duration? {
        guard let duration = duration(node, path: path, maximum: maximum) else { return nil }
        guard duration > .zero else {
            report("\(path): must be longer than 0", at: node)
            return nil
        }
        return duration
    }

    /// An open-model rate between ``Limits/minimumRatePerSecond`` and ``Limits/maximumRatePerSecond``.
    func rate(_ node: Node, path: String) -> Rate? {
        guard let text = string(node, path: path, expected: "a rate such as 5/s") else { return nil }
        guard let rate = Rate(text) else {
            report("\(path): invalid rate \"\(text)\": \(Rate.hint)", at: node)
            return nil
        }
        guard rate.perSecond >= Limits.minimumRatePerSecond else {
            report("\(path): \(text) is slower than the slowest rate soak runs, 1/h; use 1/h or faster", at: node)
            return nil
        }
        guard rate.perSecond <= Limits.maximumRatePerSecond else {
            report(
                "\(path): \(text) is faster than one soak process sends, at most \(Rate.format(perSecond: Limits.maximumRatePerSecond)) in all; split the load over several soak processes",
                at: node)
            return nil
        }
        return rate
    }

    func bool(_ node: Node, path: String) -> Bool? {
        guard let text = string(node, path: path, expected: "true or false") else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            report("\(path): expected true or false, found \"\(text)\"", at: node)
            return nil
        }
    }

    /// A path, resolved against the config file's directory when relative.
    func path(_ node: Node, path keyPath: String) -> String? {
        guard let text = nonEmptyString(node, path: keyPath) else { return nil }
        return text.hasPrefix("/") ? text : baseDirectory + "/" + text
    }

    /// A path to a file that must exist and be readable now.
    func readableFile(_ node: Node, path keyPath: String) -> String? {
        guard let resolved = path(node, path: keyPath) else { return nil }
        if let reason = FileContents.checkReadable(resolved) {
            report("\(keyPath): cannot read \"\(resolved)\": \(reason)", at: node)
            return nil
        }
        return resolved
    }

    /// A secret given inline under `key` or read from the file named under `key_file`; exactly one is
    /// allowed. A `singleLine` secret (a token or password sent in a header) may not hold CR or LF,
    /// which would split the header it is sent in.
    func secret(_ fields: Fields, key: String, required: Bool, singleLine: Bool = false) -> Secret? {
        let fileKey = key + "_file"
        switch (fields[key], fields[fileKey]) {
        case (nil, nil):
            if required { report("\(fields.path): set \(key) or \(fileKey)", at: fields.node) }
            return nil
        case (.some, .some(let fileNode)):
            report("\(fields.path): set either \(key) or \(fileKey), not both", at: fileNode)
            return nil
        case (.some(let node), nil):
            guard let value = nonEmptyString(node, path: fields.path(key)) else { return nil }
            if singleLine, Self.hasLineBreak(value) {
                report("\(fields.path(key)): must be one line; it holds a line break (CR or LF), which would split the header it is sent in", at: node)
                return nil
            }
            return Secret(value: value, source: .inline)
        case (nil, .some(let node)):
            guard let resolved = path(node, path: fields.path(fileKey)) else { return nil }
            switch FileContents.read(resolved) {
            case .failure(let failure):
                report("\(fields.path(fileKey)): cannot read \"\(resolved)\": \(failure.reason)", at: node)
                return nil
            case .success(var value):
                while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
                guard !value.isEmpty else {
                    report("\(fields.path(fileKey)): \"\(resolved)\" is empty", at: node)
                    return nil
                }
                if singleLine, Self.hasLineBreak(value) {
                    report(
                        "\(fields.path(fileKey)): \"\(resolved)\" holds a line break (CR or LF) before its end, which would split the header the value is sent in; keep the value on one line",
                        at: node)
                    return nil
                }
                return Secret(value: value, source: .file(path: resolved))
            }
        }
    }

    /// Whether `text` holds a carriage return or a line feed.
    static func hasLineBreak(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0a || $0 == 0x0d }
    }

    static func unknownKeyMessage(_ key: String, path: String, known: [String]) -> String {
        let place = path.isEmpty ? "at the top level" : "in \(path)"
        var message = "unknown key \"\(key)\" \(place)"
        if let suggestion = known.min(by: { editDistance($0, key) < editDistance($1, key) }),
            editDistance(suggestion, key) <= max(2, key.count / 3)
        {
            message += "; did you mean \"\(suggestion)\"?"
        }
        return message + " (valid keys: \(known.joined(separator: ", ")))"
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The known entries of one YAML mapping, looked up by key; a null value counts as absent.
struct Fields {
    let path: String
    let node: Node
    let entries: [(key: String, keyNode: Node, value: Node)]

    subscript(key: String) -> Node? {
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    /// The dotted path of a key in this mapping, as problems name it.
    func path(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}

extension Node {
    var isNull: Bool {
        // Node.tag resolves the tag (a Scalar's own tag stays unresolved for plain scalars).
        if case .scalar(let scalar) = self { return scalar.style == .plain && tag.rawValue == Tag.Name.null.rawValue }
        return false
    }

    /// How a problem names this node's kind.
    var kindName: String {
        switch self {
        case .scalar(let scalar): return isNull ? "nothing" : "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
