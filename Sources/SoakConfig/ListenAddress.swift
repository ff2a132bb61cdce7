/// Where the web server listens: `[HOST]:PORT`, with an empty host meaning every interface.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host or IP address; empty for every interface.
    public let host: String
    /// The TCP port; 0 asks the system for a free one.
    public let port: Int

    /// The fix shown with every address error.
    public static let hint = "write [HOST]:PORT, e.g. :9470, 127.0.0.1:9470 or [::1]:9470"

    /// Parses `:9470`, `0.0.0.0:9470`, `localhost:9470` or `[::1]:9470`; nil when `text` is none of these.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
            (0...65_535).contains(port)
        else { return nil }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") || host.contains(" ") {
            return nil
        }
        self.host = host
        self.port = port
    }

    /// The address as written in the config.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The host to bind: every IPv4 interface when none is given.
    public var bindHost: String { host.isEmpty ? "0.0.0.0" : host }

    /// soak's default, the port registered for it: `:9470`.
    public static let `default` = ListenAddress(":9470")!
}
