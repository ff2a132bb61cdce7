internal import Foundation
internal import Yams

/// Reads a config file, expands `${VAR}`, reads `*_file` secrets, applies defaults and validates,
/// reporting every problem at once with its line and column.
public enum ConfigLoader {
    /// Loads the config file at `path`; relative paths inside it are resolved against its directory.
    public static func load(
        file path: String,
        environment: [String: String]? = nil
    ) throws(ConfigError) -> SoakConfiguration {
        let text: String
        switch FileContents.read(path) {
        case .success(let contents):
            text = contents
        case .failure(let failure):
            throw ConfigError(problems: [
                ConfigProblem(file: path, line: nil, column: nil, message: "cannot read the config file: \(failure.reason)")
            ])
        }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let directory = (absolute as NSString).deletingLastPathComponent
        return try parse(yaml: text, file: path, baseDirectory: directory.isEmpty ? "/" : directory, environment: environment ?? ProcessInfo.processInfo.environment)
    }

    /// Loads a config from `yaml`, naming `file` in problems and resolving relative paths against `baseDirectory`.
    public static func parse(
        yaml: String,
        file: String,
        baseDirectory: String,
        environment: [String: String]
    ) throws(ConfigError) -> SoakConfiguration {
        if let problem = YAMLPrescan.check(yaml, file: file) {
            throw ConfigError(problems: [problem])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(problems: [problem(from: error, file: file)])
        } catch {
            throw ConfigError(problems: [ConfigProblem(file: file, line: nil, column: nil, message: "invalid YAML: \(error)")])
        }
        guard let root, !root.isNull else { return .empty }
        let reader = ConfigReader(file: file, baseDirectory: baseDirectory, environment: environment)
        guard let config = SoakConfiguration(root, reader: reader) else {
            throw ConfigError(problems: inFileOrder(reader.problems))
        }
        return config
    }

    static func inFileOrder(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        problems.enumerated().sorted { a, b in
            let left = (a.element.line ?? 0, a.element.column ?? 0, a.offset)
            let right = (b.element.line ?? 0, b.element.column ?? 0, b.offset)
            return left < right
        }.map(\.element)
    }

    static func problem(from error: YamlError, file: String) -> ConfigProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) at line \($0.mark.line), " } ?? ""
            return ConfigProblem(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(detail)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return ConfigProblem(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(keys) in this mapping; keep one")
        default:
            return ConfigProblem(file: file, line: nil, column: nil, message: "invalid YAML: \(error)")
        }
    }
}
