/// One thing wrong with a config file, with the place it was found.
public struct ConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in.
    public let file: String
    /// 1-based line, or nil when the problem concerns the whole file.
    public let line: Int?
    /// 1-based column, or nil when the problem concerns the whole file.
    public let column: Int?
    /// What is wrong and how to fix it.
    public let message: String

    public init(file: String, line: Int?, column: Int?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `PATH:LINE:COLUMN: message`, or `PATH: message` without a position.
    public var description: String {
        if let line, let column {
            return "\(file):\(line):\(column): \(message)"
        }
        return "\(file): \(message)"
    }
}

/// Every problem found while loading a config file; loading fails as a whole.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, in the order of the file.
    public let problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    /// One problem per line.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
