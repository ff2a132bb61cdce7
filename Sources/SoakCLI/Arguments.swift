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

/// An option whose values are the cases of a string enum: `--log.level`, `--log.format`.
struct ChoiceArgument<Value: RawRepresentable & CaseIterable>: ExpressibleByArgument where Value.RawValue == String {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }

    init?(argument: String) {
        guard let value = Value(rawValue: argument) else { return nil }
        self.value = value
    }

    var defaultValueDescription: String { value.rawValue }
    static var allValueStrings: [String] { Value.allCases.map(\.rawValue) }
}

/// `--shutdown.grace-period`, `--duration` and `--baseline.latency-floor`, written as config durations are.
struct DurationArgument: ExpressibleByArgument {
    let value: Duration
    /// As written on the command line (or the default's shortest form).
    let text: String

    init(_ value: Duration) {
        self.value = value
        text = DurationSyntax.format(value)
    }

    init?(argument: String) {
        guard let value = DurationSyntax.parse(argument) else { return nil }
        self.value = value
        text = argument
    }

    var defaultValueDescription: String { DurationSyntax.format(value) }
}

/// `--baseline.latency-tolerance` and `--baseline.error-tolerance`: `20%` or `0.2`.
struct PercentArgument: ExpressibleByArgument {
    let value: Double

    init(_ value: Double) {
        self.value = value
    }

    init?(argument: String) {
        guard let number = ShareSyntax.parse(argument), number >= 0 else { return nil }
        self.value = number
    }

    var defaultValueDescription: String { "\((value * 1000).rounded() / 10)%" }
}

/// `--baseline.error-tolerance`: `+5pt` (points) or `+20%` (relative to the baseline's error ratio).
struct ErrorToleranceArgument: ExpressibleByArgument {
    let value: ErrorRatioTolerance

    init(_ value: ErrorRatioTolerance) {
        self.value = value
    }

    init?(argument: String) {
        guard let value = ErrorRatioTolerance(parsing: argument) else { return nil }
        self.value = value
    }

    var defaultValueDescription: String { value.description }
}
