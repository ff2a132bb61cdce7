internal import Yams

/// `http_server_config` of a web config file: whether HTTP/2 is offered over TLS, and the security
/// headers added to every response.
public struct HTTPServerConfig: Sendable, Equatable {
    /// Offer HTTP/2 through ALPN when TLS is on (default true); it cannot change while soak runs.
    public let http2: Bool
    /// The headers added to every response, in the order written; blank ones are left out.
    public let headers: [(name: String, value: String)]

    static let keys = ["http2", "headers"]

    /// The headers a web config file may set, with the values allowed when only some are (exporter-toolkit's list).
    static let allowedHeaders: [(name: String, values: [String])] = [
        ("Strict-Transport-Security", []),
        ("X-Content-Type-Options", ["nosniff"]),
        ("X-Frame-Options", ["deny", "sameorigin"]),
        ("X-XSS-Protection", []),
        ("Content-Security-Policy", []),
    ]

    init(http2: Bool = true, headers: [(name: String, value: String)] = []) {
        self.http2 = http2
        self.headers = headers
    }

    init?(_ node: Node?, reader: ConfigReader) {
        guard let node, !node.isNull else {
            self.init()
            return
        }
        guard let fields = reader.mapping(node, path: "http_server_config", known: Self.keys) else { return nil }
        let before = reader.problems.count
        var http2 = true
        if let node = fields["http2"], let value = reader.bool(node, path: fields.path("http2")) {
            http2 = value
        }
        var headers: [(name: String, value: String)] = []
        if let node = fields["headers"], let entries = reader.namedEntries(node, path: fields.path("headers"), what: "header names to values") {
            for entry in entries {
                let path = "\(fields.path("headers")).\(entry.name)"
                guard let allowed = Self.allowedHeaders.first(where: { $0.name == entry.name }) else {
                    reader.report(
                        "\(path): header \"\(entry.name)\" cannot be set (allowed: \(Self.allowedHeaders.map(\.name).joined(separator: ", ")))",
                        at: entry.keyNode)
                    continue
                }
                guard !entry.value.isNull else { continue }
                guard let value = reader.literal(entry.value, path: path) else { continue }
                guard !value.isEmpty else { continue }
                guard value.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }) else {
                    reader.report("\(path): a header value cannot hold control characters such as line breaks", at: entry.value)
                    continue
                }
                if !allowed.values.isEmpty, !allowed.values.contains(value) {
                    reader.report(
                        "\(path): invalid value \"\(value)\" (valid: \(allowed.values.joined(separator: ", ")))", at: entry.value)
                    continue
                }
                headers.append((entry.name, value))
            }
        }
        guard reader.problems.count == before else { return nil }
        self.init(http2: http2, headers: headers)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.http2 == rhs.http2 && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}
