import ArgumentParser
import Soak
import SoakConfig

/// `soak check-config [PATH] [--web.config.file PATH]`: every problem as `PATH:LINE:COLUMN: message`, or a summary.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a config file and/or a web config file: print every problem and exit 1, or summarise what would run and exit 0."
    )

    @Argument(help: ArgumentHelp("The config file to check.", valueName: "path"))
    var path: String?

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp("A web config file to check: its certificates and keys load, its hashes parse.", valueName: "path"))
    var webConfigFile: String?

    func validate() throws {
        guard path != nil || webConfigFile != nil else { throw ValidationError("name a config file, a --web.config.file, or both") }
    }

    func run() throws {
        var valid = true
        if let path {
            do {
                let config = try ConfigLoader.load(file: path)
                print("\(path): OK")
                for line in config.summary {
                    print("  \(line)")
                }
            } catch {
                print(error.description)
                valid = false
            }
        }
        if let webConfigFile {
            let check = WebConfigCheck.run(file: webConfigFile)
            check.lines.forEach { print($0) }
            valid = valid && check.valid
        }
        if !valid { throw ExitCode(1) }
    }
}
