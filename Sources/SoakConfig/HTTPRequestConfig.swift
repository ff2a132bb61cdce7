internal import Yams

/// What one HTTP request sends and expects: method, templated path, query, headers and body, a
/// timeout overriding the target's, and the statuses that count as success. A scenario's requests
/// and the probes' `request` and `dispatch` share it.
public struct HTTPRequestConfig: Sendable, Equatable {
    /// What the answer's status must be.
    public enum StatusExpectation: Sendable, Equatable {
        /// Any code in the listed classes (2 for 2xx) or exact codes.
        case accept(classes: Set<Int>, codes: Set<Int>)

        public func accepts(_ status: Int) -> Bool {
            switch self {
            case .accept(let classes, let codes): codes.contains(status) || classes.contains(status / 100)
            }
        }
    }

    /// A JSON body built from a YAML mapping or list, or raw text.
    public enum Body: Sendable, Equatable {
        case json(JSONTemplate)
        case raw(Template)
    }

    public let method: String
    public let path: Template
    public let query: [(name: String, value: Template)]
    public let headers: [(name: String, value: Template)]
    public let body: Body?
    public let expectStatus: StatusExpectation
    /// Overrides the target's timeout.
    public let timeout: Duration?

    static let keys = ["method", "path", "query", "headers", "body", "expect_status", "timeout"]
    static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    public static func == (lhs: HTTPRequestConfig, rhs: HTTPRequestConfig) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path && lhs.body == rhs.body && lhs.expectStatus == rhs.expectStatus
            && lhs.timeout == rhs.timeout
            && lhs.query.elementsEqual(rhs.query, by: { $0.name == $1.name && $0.value == $1.value })
            && lhs.headers.elementsEqual(rhs.headers, by: { $0.name == $1.name && $0.value == $1.value })
    }

    init(method: String, path: Template, timeout: Duration?) {
        self.init(
            method: method, path: path, query: [], headers: [], body: nil, expectStatus: .accept(classes: [2], codes: []), timeout: timeout)
    }

    private init(
        method: String, path: Template, query: [(name: String, value: Template)], headers: [(name: String, value: Template)], body: Body?,
        expectStatus: StatusExpectation, timeout: Duration?
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.expectStatus = expectStatus
        self.timeout = timeout
    }

    /// Reads the request keys of `fields` (other keys are the caller's). `defaultPath` is used when
    /// `path` is absent; without one, `path` is required.
    init?(_ fields: Fields, scope: Template.Scope, reader: ConfigReader, defaultMethod: String = "GET", defaultPath: String? = nil) {
        let problemsBefore = reader.problems.count
        var method = defaultMethod
        if let methodNode = fields["method"], let text = reader.string(methodNode, path: fields.path("method")) {
            method = text.uppercased()
            if !Self.methods.contains(method) {
                reader.report("\(fields.path("method")): unknown method \"\(text)\" (known: \(Self.methods.joined(separator: ", ")))", at: methodNode)
            }
        }
        var requestPath: Template?
        if let pathNode = fields["path"] {
            requestPath = reader.template(pathNode, path: fields.path("path"), scope: scope)
            if let source = requestPath?.source, !source.hasPrefix("/") {
                reader.report("\(fields.path("path")): must start with /, e.g. /api/v1/status", at: pathNode)
            }
        } else if let defaultPath {
            requestPath = try? Template.compile(defaultPath, scope: scope).get()
        } else {
            reader.report("\(fields.path): missing required key \"path\"", at: fields.node)
        }
        let query = fields["query"].map { reader.templateMap($0, path: fields.path("query"), scope: scope, headerNames: false) } ?? []
        let headers = fields["headers"].map { reader.templateMap($0, path: fields.path("headers"), scope: scope, headerNames: true) } ?? []
        var body: Body?
        if let bodyNode = fields["body"] {
            if bodyNode.scalar != nil {
                body = reader.template(bodyNode, path: fields.path("body"), scope: scope).map { .raw($0) }
            } else {
                body = reader.jsonTemplate(bodyNode, path: fields.path("body"), scope: scope).map { .json($0) }
            }
        }
        var expect = StatusExpectation.accept(classes: [2], codes: [])
        if let expectNode = fields["expect_status"] {
            expect = reader.statusExpectation(expectNode, path: fields.path("expect_status")) ?? expect
        }
        let timeout = fields["timeout"].flatMap { reader.positiveDuration($0, path: fields.path("timeout"), maximum: Limits.timeout) }
        guard reader.problems.count == problemsBefore, let requestPath else { return nil }
        self.init(method: method, path: requestPath, query: query, headers: headers, body: body, expectStatus: expect, timeout: timeout)
    }

    /// The request with `timeout` set when the config left it to the target.
    func defaultingTimeout(to timeout: Duration?) -> HTTPRequestConfig {
        HTTPRequestConfig(
            method: method, path: path, query: query, headers: headers, body: body, expectStatus: expectStatus, timeout: self.timeout ?? timeout)
    }

    /// The request's keys as YAML pairs, sensitive query values and headers hidden.
    var nodePairs: [(Node, Node)] {
        var pairs: [(Node, Node)] = [(Node("method"), Node(method)), (Node("path"), Node(path.source))]
        if !query.isEmpty {
            pairs.append((Node("query"), Node(query.map { (Node($0.name), Node(TargetConfig.isSensitiveHeader($0.name) ? "<secret>" : $0.value.source)) })))
        }
        if !headers.isEmpty {
            pairs.append((Node("headers"), Node(headers.map { (Node($0.name), Node(TargetConfig.isSensitiveHeader($0.name) ? "<secret>" : $0.value.source)) })))
        }
        switch body {
        case .json: pairs.append((Node("body"), Node("JSON template")))
        case .raw: pairs.append((Node("body"), Node("raw template")))
        case nil: break
        }
        if let timeout { pairs.append((Node("timeout"), Node(DurationSyntax.format(timeout)))) }
        return pairs
    }
}
