/// A credential read from the config or from a `*_file` key. It never prints its value.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Where the value came from: written in the config (possibly through `${VAR}`) or read from a file.
    public enum Source: Sendable, Equatable {
        case inline
        case file(path: String)
    }

    /// The secret value, for the code that hands it to a server and nothing else.
    public let value: String
    /// Where the value came from, shown instead of the value.
    public let source: Source

    init(value: String, source: Source) {
        self.value = value
        self.source = source
    }

    /// Always `<secret>`.
    public var description: String { "<secret>" }
    /// Always `<secret>`.
    public var debugDescription: String { "<secret>" }
}
