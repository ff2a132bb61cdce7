import ArgumentParser
import Soak

/// `soak version`: the same text as `soak --version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, git revision, Swift version and library versions."
    )

    func run() {
        print(BuildInfo.current.versionText)
    }
}
