import Foundation
import Testing

/// Finds the programs the integration tests run, and says what to install when one is missing.
enum Executables {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        let package: String
        var description: String {
            "\(name) not found on PATH: install the Debian package \(package) (apt-get install \(package)), or run scripts/test, which installs it"
        }
    }

    /// The `soak` binary built beside this test bundle, or `SOAK_BINARY`.
    static var soak: String {
        if let path = ProcessInfo.processInfo.environment["SOAK_BINARY"] { return path }
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return bundle.appendingPathComponent("soak").path
    }

    /// A tool from PyPI that scripts/test installs into `.build/python-tools`, or from PATH; records a
    /// test issue saying how to install it when it is in neither.
    static func pythonTool(_ name: String, pypi package: String) throws -> String {
        let candidates = ["\(repositoryRoot)/.build/python-tools/bin/\(name)"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        let message = "\(name) not found: run scripts/test, which installs the PyPI package \(package) into .build/python-tools"
        Issue.record(Comment(rawValue: message))
        throw HTTP.Failure(description: message)
    }

    /// `name` from PATH; records a test issue naming the Debian package when it is not installed.
    static func required(_ name: String, package: String) throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let missing = Missing(name: name, package: package)
        Issue.record(Comment(rawValue: missing.description))
        throw missing
    }
}
