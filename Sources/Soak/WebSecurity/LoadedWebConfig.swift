internal import HTTPTypes
internal import SoakConfig

/// What the files of one load held (nil for a file that could not be read): the watcher compares a
/// fresh reading with the last load's to see a change.
typealias FileSnapshot = [String: String?]

/// The files one load of the web config read, and what each held.
final class FileReads {
    private(set) var snapshot: FileSnapshot = [:]

    func read(_ path: String) -> Result<String, FileFailure> {
        let result = FileContents.read(path)
        snapshot[path] = try? result.get()
        return result
    }

    /// Reads `paths` afresh.
    static func snapshot(of paths: some Sequence<String>) -> FileSnapshot {
        let reads = FileReads()
        for path in paths { _ = reads.read(path) }
        return reads.snapshot
    }
}

/// A web config file with everything it names loaded: the TLS setup, the users, the headers and the
/// rate limit. Only a load without problems becomes one.
struct LoadedWebConfig: Sendable {
    let file: WebConfigFile
    /// nil when TLS is off.
    let tls: TLSServerSetup?
    /// Added to every response.
    let headers: HTTPFields
    /// nil when no basic auth is required.
    let users: BasicAuthUsers?
    /// nil when there is no rate limit.
    let rateLimit: RateLimitConfig?
    /// Found while loading: keys without effect, an expired certificate.
    let warnings: [ConfigProblem]

    /// One attempt to load: what was read, and the config or its problems.
    struct Attempt {
        let snapshot: FileSnapshot
        let result: Result<LoadedWebConfig, ConfigError>
    }

    /// Reads and checks the web config file at `path` and every file it names.
    static func load(path: String) -> Attempt {
        let files = FileReads()
        do throws(ConfigError) {
            let text: String
            switch files.read(path) {
            case .success(let contents): text = contents
            case .failure(let failure):
                throw ConfigError(problems: [
                    ConfigProblem(file: path, line: nil, column: nil, message: "cannot read the web config file: \(failure.reason)")
                ])
            }
            let file = try WebConfigFile.parse(yaml: text, file: path, baseDirectory: WebConfigFile.directory(of: path))
            var warnings = file.warnings
            let tls = try file.tls.map { config throws(ConfigError) in try TLSServerSetup.load(config, files: files, warnings: &warnings) }
            var headers = HTTPFields()
            for header in file.http.headers {
                if let name = HTTPField.Name(header.name) { headers[name] = header.value }
            }
            let loaded = LoadedWebConfig(
                file: file, tls: tls, headers: headers, users: file.basicAuthUsers.isEmpty ? nil : BasicAuthUsers(file.basicAuthUsers),
                rateLimit: file.rateLimit, warnings: warnings)
            return Attempt(snapshot: files.snapshot, result: .success(loaded))
        } catch {
            return Attempt(snapshot: files.snapshot, result: .failure(error))
        }
    }
}
