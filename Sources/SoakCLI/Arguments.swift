import ArgumentParser
import Soak
import SoakConfig

/// `--web.listen-address`, parsed as the config's `web.listen_address` is.
struct ListenAddressArgument: ExpressibleByArgument {
    let value: ListenAddress

    init?(argument: String) {
        guard let value = ListenAddress(argument) else { return nil }
        self.value = value
    }
}

/// `--log.level`.
struct LogLevelArgument: ExpressibleByArgument {
    let value: LogLevel

    init(_ value: LogLevel) {
        self.value = value
    }

    init?(argument: String) {
        guard let value = LogLevel(rawValue: argument) else { return nil }
        self.value = value
    }

    var defaultValueDescription: String { value.rawValue }
    static var allValueStrings: [String] { LogLevel.allCases.map(\.rawValue) }
}

/// `--log.format`.
struct LogFormatArgument: ExpressibleByArgument {
    let value: LogFormat

    init(_ value: LogFormat) {
        self.value = value
    }

    init?(argument: String) {
        guard let value = LogFormat(rawValue: argument) else { return nil }
        self.value = value
    }

    var defaultValueDescription: String { value.rawValue }
    static var allValueStrings: [String] { LogFormat.allCases.map(\.rawValue) }
}

/// `--shutdown.grace-period`, written as config durations are.
struct DurationArgument: ExpressibleByArgument {
    let value: Duration

    init(_ value: Duration) {
        self.value = value
    }

    init?(argument: String) {
        guard let value = DurationSyntax.parse(argument) else { return nil }
        self.value = value
    }

    var defaultValueDescription: String { DurationSyntax.format(value) }
}
