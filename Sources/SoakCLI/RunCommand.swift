import ArgumentParser
import Logging
import Soak
import SoakConfig

/// `soak run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon until SIGTERM or SIGINT; SIGHUP reloads the config."
    )

    @Option(name: .customLong("config.file"), help: ArgumentHelp("The config file.", valueName: "path"))
    var configFile = "soak.yaml"

    @Option(
        name: .customLong("web.listen-address"),
        help: ArgumentHelp("Address to serve /metrics on, as [host]:port; overrides web.listen_address. Default :9470.", valueName: "address"))
    var listenAddress: ListenAddressArgument?

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable POST /-/reload.")
    var enableLifecycle = false

    @Option(name: .customLong("log.level"), help: ArgumentHelp("Log level: debug, info, warn or error.", valueName: "level"))
    var logLevel: ChoiceArgument<LogLevel> = .init(.info)

    @Option(name: .customLong("log.format"), help: ArgumentHelp("Log format: logfmt or json.", valueName: "format"))
    var logFormat: ChoiceArgument<LogFormat> = .init(.logfmt)

    @Option(
        name: .customLong("shutdown.grace-period"),
        help: ArgumentHelp("How long in-flight work may take to finish after SIGTERM, e.g. 4s.", valueName: "duration"))
    var gracePeriod: DurationArgument = .init(.seconds(3))

    func run() async throws {
        let format = logFormat.value
        let level = logLevel.value.loggerLevel
        LoggingSystem.bootstrap { _ in SoakLogHandler(format: format, level: level) }
        let logger = Logger(label: "soak")
        let options = DaemonOptions(
            configFile: configFile, listenAddress: listenAddress?.value, enableLifecycle: enableLifecycle,
            gracePeriod: gracePeriod.value)
        do {
            try await Daemon(options: options, logger: logger).run()
        } catch DaemonError.invalidConfig(let error) {
            for problem in error.problems {
                logger.error("invalid config; fix it and start again", metadata: ["problem": "\(problem)"])
            }
            throw ExitCode(1)
        } catch {
            logger.error("soak failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
