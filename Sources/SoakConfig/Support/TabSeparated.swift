/// ClickHouse's TabSeparated format, as an HTTP pool's answer may be.
enum TabSeparated {
    /// The rows: fields split at tabs, `\t`, `\n`, `\r`, `\\` and `\0` unescaped.
    static func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            return line.split(separator: "\t", omittingEmptySubsequences: false).map { field in
                var result = ""
                var escaped = false
                for character in field {
                    if escaped {
                        switch character {
                        case "t": result.append("\t")
                        case "n": result.append("\n")
                        case "r": result.append("\r")
                        case "0": result.append("\u{0}")
                        default: result.append(character)
                        }
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else {
                        result.append(character)
                    }
                }
                return result
            }
        }
    }
}
