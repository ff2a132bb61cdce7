internal import CYaml

/// Checks a YAML text's size before it is composed into nodes, by walking libyaml's events once:
/// the nodes and scalar bytes it expands to through its aliases, the number of aliases, and that no
/// mapping key is a list or a mapping. Yams composes an alias by sharing the anchored node, so an
/// "alias bomb" of a few hundred bytes composes quickly but expands to billions of nodes for
/// whoever walks it, and Yams hashes every mapping key, so a collection used as a key through an
/// alias costs its whole expanded size. libyaml is the one Yams itself is built on (its CYaml module).
enum YAMLPrescan {
    /// A collection being read, with what it has added so far.
    private struct Frame {
        let isMapping: Bool
        let anchor: String?
        let nodesAtStart: Int
        let bytesAtStart: Int
        var children = 0
    }

    /// The first limit the text breaks, with its place; nil when it is within every limit (or is not
    /// valid YAML, which composing then reports with its own message).
    static func check(_ text: String, file: String) -> ConfigProblem? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> ConfigProblem? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var anchors: [String: (nodes: Int, bytes: Int)] = [:]
            var stack: [Frame] = []
            var nodes = 0
            var scalarBytes = 0
            var aliases = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                let column = Int(event.start_mark.column) + 1
                func problem(_ message: String) -> ConfigProblem {
                    ConfigProblem(file: file, line: line, column: column, message: message)
                }
                /// Whether the node starting now sits where its mapping expects a key.
                var isKey: Bool { stack.last.map { $0.isMapping && $0.children % 2 == 0 } ?? false }
                /// Counts a finished node in its parent.
                func finished() { if !stack.isEmpty { stack[stack.count - 1].children += 1 } }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    nodes += 1
                    scalarBytes += event.data.scalar.length
                    if let anchor = string(event.data.scalar.anchor) { anchors[anchor] = (1, event.data.scalar.length) }
                    finished()
                case YAML_ALIAS_EVENT:
                    aliases += 1
                    guard aliases <= Limits.yamlAliases else {
                        return problem("more than \(Limits.yamlAliases) aliases (*name); write the values out instead")
                    }
                    guard let name = string(event.data.alias.anchor), let size = anchors[name] else { return nil }
                    if isKey, size.nodes > 1 {
                        return problem("keys must be plain strings, found an alias of a list or mapping (*\(name))")
                    }
                    nodes += size.nodes
                    scalarBytes += size.bytes
                    finished()
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    if isKey { return problem("keys must be plain strings, found a \(isMapping ? "mapping" : "list")") }
                    let anchor = string(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
                    stack.append(Frame(isMapping: isMapping, anchor: anchor, nodesAtStart: nodes, bytesAtStart: scalarBytes))
                    nodes += 1
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let frame = stack.popLast() else { return nil }
                    if let anchor = frame.anchor { anchors[anchor] = (nodes - frame.nodesAtStart, scalarBytes - frame.bytesAtStart) }
                    finished()
                default:
                    continue
                }
                if nodes > Limits.yamlNodes {
                    return problem("the config expands to more than \(Limits.yamlNodes) YAML nodes through its aliases; write less or use fewer aliases")
                }
                if scalarBytes > Limits.yamlScalarBytes {
                    return problem(
                        "the config expands to more than \(Limits.yamlScalarBytes >> 20) MiB of text through its aliases; write less or use fewer aliases")
                }
            }
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
