import ArgumentParser
import SoakConfig

/// `soak check-config PATH`: every problem as `PATH:LINE:COLUMN: message`, or a summary.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a config file: print every problem and exit 1, or summarise what would run and exit 0."
    )

    @Argument(help: ArgumentHelp("The config file to check.", valueName: "path"))
    var path: String

    func run() throws {
        do {
            let config = try ConfigLoader.load(file: path)
            print("\(path): OK")
            for line in config.summary {
                print("  \(line)")
            }
        } catch {
            print(error.description)
            throw ExitCode(1)
        }
    }
}
