internal import Foundation
public import Logging
import Synchronization
#if canImport(Glibc)
internal import Glibc
#endif

/// How log lines are written: logfmt (`key=value`) or one JSON object per line.
public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt
    case json
}

/// The levels `--log.level` accepts, named as Prometheus exporters name them.
public enum LogLevel: String, Sendable, CaseIterable {
    case debug, info, warn, error

    /// The swift-log level that lets this level and the ones above it through.
    public var loggerLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warn: .warning
        case .error: .error
        }
    }
}

/// A swift-log handler that writes one line per message to stderr, with a UTC timestamp,
/// the level, the message and the metadata, in logfmt or JSON.
public struct SoakLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let format: LogFormat
    private let sink: LogSink

    /// A handler writing to standard error.
    public init(format: LogFormat, level: Logger.Level) {
        self.init(format: format, level: level, sink: .standardError)
    }

    init(format: LogFormat, level: Logger.Level, sink: LogSink) {
        self.format = format
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Timestamp.rfc3339(Date())),
            ("level", Self.name(of: event.level)),
            ("msg", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            fields.append((key, Self.flatten(merged[key]!)))
        }
        sink.write(format == .json ? Self.json(fields) : Self.logfmt(fields))
    }

    static func name(of level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warn"
        case .error, .critical: "error"
        }
    }

    static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.isNewline }
            // A quoted logfmt value escapes exactly as a JSON string does.
            return needsQuotes ? "\(key)=\(jsonString(value))" : "\(key)=\(value)"
        }.joined(separator: " ") + "\n"
    }

    static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(jsonString($0)):\(jsonString($1))" }.joined(separator: ",") + "}\n"
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(flatten).joined(separator: ",")
        case .dictionary(let dictionary): dictionary.keys.sorted().map { "\($0):\(flatten(dictionary[$0]!))" }.joined(separator: ",")
        }
    }
}

/// Where log lines go; one lock keeps concurrent lines whole.
final class LogSink: Sendable {
    static let standardError = LogSink(descriptor: 2)

    private let descriptor: Int32
    private let lock = Mutex(())

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func write(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { Foundation.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
