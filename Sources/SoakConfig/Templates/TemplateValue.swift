/// A value a template expression produces: text, or a whole number (which a JSON body writes unquoted).
public enum TemplateValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int)

    public var description: String {
        switch self {
        case .string(let text): text
        case .integer(let number): String(number)
        }
    }
}
