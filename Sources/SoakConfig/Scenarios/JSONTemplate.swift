/// A JSON request body whose strings may hold templates; rendered to bytes per request.
/// A string that is exactly one `{{ }}` producing a number (`randint`, `user.index`, an integer pool)
/// is written as a JSON number.
public indirect enum JSONTemplate: Sendable, Equatable {
    case object([(key: String, value: JSONTemplate)])
    case array([JSONTemplate])
    case string(Template)
    /// A number, boolean or null, written as it stands.
    case literal(String)

    public static func == (lhs: JSONTemplate, rhs: JSONTemplate) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): a.elementsEqual(b) { $0.key == $1.key && $0.value == $1.value }
        case (.array(let a), .array(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.literal(let a), .literal(let b)): a == b
        default: false
        }
    }

    /// The body as JSON text.
    public func render(_ scope: inout RenderScope) -> [UInt8] {
        var output: [UInt8] = []
        write(into: &output, &scope)
        return output
    }

    private func write(into output: inout [UInt8], _ scope: inout RenderScope) {
        switch self {
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (offset, member) in members.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(into: &output, &scope)
            }
            output.append(UInt8(ascii: "}"))
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                element.write(into: &output, &scope)
            }
            output.append(UInt8(ascii: "]"))
        case .string(let template):
            switch template.renderValue(&scope) {
            case .integer(let number): output.append(contentsOf: String(number).utf8)
            case .string(let text): Self.writeString(text, into: &output)
            }
        case .literal(let text):
            output.append(contentsOf: text.utf8)
        }
    }

    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xf)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
