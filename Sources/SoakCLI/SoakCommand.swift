import ArgumentParser
import Logging
import Soak
import SoakConfig

/// The `soak` command: `run` (the default), `check-config` and `version`.
@main
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "A long-running soak service: continuous HTTP traffic, PostgreSQL and task probes, Prometheus metrics.",
        version: BuildInfo.current.versionText,
        subcommands: [RunCommand.self, CheckConfigCommand.self, MergeCommand.self, VersionCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
