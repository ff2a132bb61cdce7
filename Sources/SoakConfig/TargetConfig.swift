internal import Foundation
internal import Yams

/// One entry of `targets`: a named HTTP base URL with its auth, TLS, headers and timeouts,
/// shared by scenarios and probes.
public struct TargetConfig: Sendable, Equatable {
    /// HTTP basic or bearer-token authentication.
    public enum Auth: Sendable, Equatable {
        case basic(username: String, password: Secret)
        case bearer(token: Secret)
    }

    /// Client-side TLS settings.
    public struct TLS: Sendable, Equatable {
        /// CA bundle to verify the server with; the system's when nil.
        public let caFile: String?
        /// Client certificate, always paired with `keyFile`.
        public let certFile: String?
        /// Client key, always paired with `certFile`.
        public let keyFile: String?
        /// Skip server certificate verification (tests only).
        public let insecureSkipVerify: Bool
    }

    /// The name scenarios and probes refer to, and the `target` label.
    public let name: String
    /// The base URL, without a trailing slash.
    public let url: String
    /// Total time allowed for one request, unless the request overrides it. Default 30s.
    public let timeout: Duration
    /// Time allowed to connect (TCP and TLS). Default 5s.
    public let connectTimeout: Duration
    /// Headers sent with every request, in the order written.
    public let headers: [(name: String, value: String)]
    /// Authentication, if any.
    public let auth: Auth?
    /// TLS settings, if any.
    public let tls: TLS?
    /// Whether redirects are followed (up to 10). Default false: a 3xx is the answer.
    public let followRedirects: Bool
    /// Bytes of each response body kept for checks; the rest is read, counted and dropped. Default 1 MiB.
    public let maxResponseBytes: Int

    static let keys = ["url", "timeout", "connect_timeout", "headers", "auth", "tls", "follow_redirects", "max_response_bytes"]
    static let defaultMaxResponseBytes = 1 << 20
    static let defaultTimeout = Duration.seconds(30)
    static let defaultConnectTimeout = Duration.seconds(5)

    public static func == (lhs: TargetConfig, rhs: TargetConfig) -> Bool {
        lhs.name == rhs.name && lhs.url == rhs.url && lhs.timeout == rhs.timeout
            && lhs.connectTimeout == rhs.connectTimeout && lhs.auth == rhs.auth && lhs.tls == rhs.tls
            && lhs.followRedirects == rhs.followRedirects && lhs.maxResponseBytes == rhs.maxResponseBytes
            && lhs.headers.elementsEqual(rhs.headers, by: { $0.name == $1.name && $0.value == $1.value })
    }

    init?(name: String, nameNode: Node, node: Node, reader: ConfigReader) {
        let path = "targets.\(name)"
        var valid = Self.isValidName(name)
        if !valid {
            reader.report("\(path): invalid target name; use letters, digits, _ and -, starting with a letter", at: nameNode)
        }
        guard let fields = reader.mapping(node, path: path, known: Self.keys) else { return nil }

        var url: String?
        if let urlNode = fields["url"] {
            url = Self.validatedURL(urlNode, path: fields.path("url"), reader: reader)
        } else {
            reader.report("\(path): missing required key \"url\", e.g. url: https://pulp.example.com", at: node)
        }
        let timeout = fields["timeout"].map { reader.positiveDuration($0, path: fields.path("timeout"), maximum: Limits.timeout) } ?? Self.defaultTimeout
        let connectTimeout =
            fields["connect_timeout"].map { reader.positiveDuration($0, path: fields.path("connect_timeout"), maximum: Limits.timeout) }
            ?? Self.defaultConnectTimeout
        if let timeout, let connectTimeout, connectTimeout > timeout, let node = fields["connect_timeout"] {
            reader.report(
                "\(fields.path("connect_timeout")): \(DurationSyntax.format(connectTimeout)) is longer than timeout \(DurationSyntax.format(timeout)); make it shorter",
                at: node)
            valid = false
        }
        var headers: [(name: String, value: String)] = []
        if let headersNode = fields["headers"] {
            for entry in reader.namedEntries(headersNode, path: fields.path("headers"), what: "header names to values") ?? [] {
                let headerPath = "\(fields.path("headers")).\(entry.name)"
                guard Self.isValidHeaderName(entry.name) else {
                    reader.report("\(headerPath): invalid header name; use letters, digits and -", at: entry.keyNode)
                    valid = false
                    continue
                }
                guard let value = reader.string(entry.value, path: headerPath) else {
                    valid = false
                    continue
                }
                guard !value.contains("\n"), !value.contains("\r") else {
                    reader.report("\(headerPath): header values must be one line", at: entry.value)
                    valid = false
                    continue
                }
                headers.append((entry.name, value))
            }
        }
        let auth = fields["auth"].map { Self.auth($0, path: fields.path("auth"), reader: reader) }
        let tls = fields["tls"].map { Self.tls($0, path: fields.path("tls"), reader: reader) }
        let followRedirects = fields["follow_redirects"].map { reader.bool($0, path: fields.path("follow_redirects")) } ?? false
        let maxResponseBytes =
            fields["max_response_bytes"].map { reader.integer($0, path: fields.path("max_response_bytes"), minimum: 0, maximum: Limits.responseBytes) }
            ?? Self.defaultMaxResponseBytes

        guard valid, let url, let timeout, let connectTimeout, auth != .some(nil), tls != .some(nil), let followRedirects,
            let maxResponseBytes
        else {
            return nil
        }
        self.name = name
        self.url = url
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.headers = headers
        self.auth = auth ?? nil
        self.tls = tls ?? nil
        self.followRedirects = followRedirects
        self.maxResponseBytes = maxResponseBytes
    }

    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    private static func isValidHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    private static func validatedURL(_ node: Node, path: String, reader: ConfigReader) -> String? {
        guard let text = reader.nonEmptyString(node, path: path) else { return nil }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            reader.report("\(path): invalid URL \"\(text)\": write http:// or https:// and a host, e.g. https://pulp.example.com", at: node)
            return nil
        }
        guard components.user == nil, components.password == nil else {
            reader.report("\(path): credentials in the URL are not allowed; put them under auth.basic", at: node)
            return nil
        }
        guard components.query == nil, components.fragment == nil else {
            reader.report("\(path): a base URL takes no query or fragment; put them on the requests", at: node)
            return nil
        }
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    private static func auth(_ node: Node, path: String, reader: ConfigReader) -> Auth? {
        guard let fields = reader.mapping(node, path: path, known: ["basic", "bearer"]) else { return nil }
        switch (fields["basic"], fields["bearer"]) {
        case (.some, .some(let bearer)):
            reader.report("\(path): set either basic or bearer, not both", at: bearer)
            return nil
        case (.some(let basic), nil):
            guard let basicFields = reader.mapping(basic, path: fields.path("basic"), known: ["username", "password", "password_file"])
            else { return nil }
            let username: String?
            if let usernameNode = basicFields["username"] {
                username = reader.nonEmptyString(usernameNode, path: basicFields.path("username"))
                if let name = username, ConfigReader.hasLineBreak(name) {
                    reader.report("\(basicFields.path("username")): must be one line; it holds a line break (CR or LF)", at: usernameNode)
                    return nil
                }
            } else {
                reader.report("\(basicFields.path): missing required key \"username\"", at: basic)
                username = nil
            }
            let password = reader.secret(basicFields, key: "password", required: true, singleLine: true)
            guard let username, let password else { return nil }
            return .basic(username: username, password: password)
        case (nil, .some(let bearer)):
            guard let bearerFields = reader.mapping(bearer, path: fields.path("bearer"), known: ["token", "token_file"])
            else { return nil }
            guard let token = reader.secret(bearerFields, key: "token", required: true, singleLine: true) else { return nil }
            return .bearer(token: token)
        case (nil, nil):
            reader.report("\(path): set basic or bearer", at: node)
            return nil
        }
    }

    private static func tls(_ node: Node, path: String, reader: ConfigReader) -> TLS? {
        guard let fields = reader.mapping(node, path: path, known: ["ca_file", "cert_file", "key_file", "insecure_skip_verify"])
        else { return nil }
        var valid = true
        func file(_ key: String) -> String? {
            guard let node = fields[key] else { return nil }
            let resolved = reader.readableFile(node, path: fields.path(key))
            if resolved == nil { valid = false }
            return resolved
        }
        let caFile = file("ca_file")
        let certFile = file("cert_file")
        let keyFile = file("key_file")
        if (fields["cert_file"] == nil) != (fields["key_file"] == nil) {
            reader.report("\(path): cert_file and key_file go together; set both or neither", at: node)
            valid = false
        }
        let insecure = fields["insecure_skip_verify"].map { reader.bool($0, path: fields.path("insecure_skip_verify")) } ?? false
        guard valid, let insecure else { return nil }
        return TLS(caFile: caFile, certFile: certFile, keyFile: keyFile, insecureSkipVerify: insecure)
    }

    /// The target as YAML, with secrets replaced by `<secret>` and sensitive header values hidden.
    var node: Node {
        var pairs: [(Node, Node)] = [
            (Node("url"), Node(url)),
            (Node("timeout"), Node(DurationSyntax.format(timeout))),
            (Node("connect_timeout"), Node(DurationSyntax.format(connectTimeout))),
        ]
        if !headers.isEmpty {
            pairs.append(
                (Node("headers"), Node(headers.map { (Node($0.name), Node(Self.isSensitiveHeader($0.name) ? "<secret>" : $0.value)) })))
        }
        switch auth {
        case .basic(let username, let password):
            pairs.append((Node("auth"), Node([(Node("basic"), Node([(Node("username"), Node(username)), password.node(key: "password")]))])))
        case .bearer(let token):
            pairs.append((Node("auth"), Node([(Node("bearer"), Node([token.node(key: "token")]))])))
        case nil:
            break
        }
        if let tls {
            var tlsPairs: [(Node, Node)] = []
            if let caFile = tls.caFile { tlsPairs.append((Node("ca_file"), Node(caFile))) }
            if let certFile = tls.certFile { tlsPairs.append((Node("cert_file"), Node(certFile))) }
            if let keyFile = tls.keyFile { tlsPairs.append((Node("key_file"), Node(keyFile))) }
            tlsPairs.append((Node("insecure_skip_verify"), Node(tls.insecureSkipVerify ? "true" : "false")))
            pairs.append((Node("tls"), Node(tlsPairs)))
        }
        pairs.append((Node("follow_redirects"), Node(followRedirects ? "true" : "false")))
        pairs.append((Node("max_response_bytes"), Node(String(maxResponseBytes))))
        return Node(pairs)
    }

    /// Header names whose values are credentials and never shown.
    static func isSensitiveHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["authorization", "cookie", "token", "secret", "key", "password", "auth"].contains { lower.contains($0) }
    }
}

extension Secret {
    /// `key: <secret>` for an inline secret, `key_file: PATH` for one read from a file.
    func node(key: String) -> (Node, Node) {
        switch source {
        case .inline: return (Node(key), Node("<secret>"))
        case .file(let path): return (Node(key + "_file"), Node(path))
        }
    }
}
