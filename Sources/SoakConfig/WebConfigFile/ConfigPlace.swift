internal import Yams

/// Where a key was written in a config file, so that a check made later (a certificate that does not
/// load, a hash the TLS or bcrypt library rejects) still names `FILE:LINE:COLUMN` and the key.
public struct ConfigPlace: Sendable, Equatable {
    /// The file the key is in.
    public let file: String
    /// 1-based line, or nil when unknown.
    public let line: Int?
    /// 1-based column, or nil when unknown.
    public let column: Int?
    /// The dotted key path, e.g. `tls_server_config.cert_file`.
    public let key: String

    public init(file: String, line: Int?, column: Int?, key: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
    }

    /// A problem at this place, its message prefixed with the key path.
    public func problem(_ message: String) -> ConfigProblem {
        ConfigProblem(file: file, line: line, column: column, message: "\(key): \(message)")
    }
}

/// Reading a web config file: its values are taken literally (exporter-toolkit expands no `${VAR}`,
/// and bcrypt hashes are full of `$`).
extension ConfigReader {
    func place(_ node: Node, key: String) -> ConfigPlace {
        ConfigPlace(file: file, line: node.mark?.line, column: node.mark?.column, key: key)
    }

    /// A scalar's text as written.
    func literal(_ node: Node, path: String, expected: String = "a string") -> String? {
        guard let scalar = node.scalar else {
            report("\(path): expected \(expected), found \(node.kindName)", at: node)
            return nil
        }
        return scalar.string
    }

    /// A list of scalars as written, each with its node.
    func literalList(_ node: Node, path: String) -> [(text: String, node: Node)]? {
        guard let items = sequence(node, path: path) else { return nil }
        var texts: [(text: String, node: Node)] = []
        for (index, item) in items.enumerated() {
            guard let text = literal(item, path: "\(path)[\(index)]") else { continue }
            texts.append((text, item))
        }
        return texts.count == items.count ? texts : nil
    }

    /// A value that must be one of `choices`, reported with the valid values and the closest one.
    func choice<Value>(_ node: Node, path: String, what: String, _ choices: [(name: String, value: Value)]) -> Value? {
        guard let text = literal(node, path: path) else { return nil }
        if let match = choices.first(where: { $0.name == text }) { return match.value }
        let names = choices.map(\.name)
        var message = "\(path): unknown \(what) \"\(text)\""
        if let closest = names.first(where: { $0.lowercased() == text.lowercased() }) {
            message += "; did you mean \"\(closest)\"?"
        }
        report(message + " (valid: \(names.joined(separator: ", ")))", at: node)
        return nil
    }
}
