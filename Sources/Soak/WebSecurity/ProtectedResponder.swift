internal import HTTPTypes
internal import Hummingbird

/// Wraps the router so that every request, whatever route it reaches (or none), passes the web
/// config's checks first: the rate limit, then basic auth; `/healthz` and `/readyz` pass without
/// either, for Kubernetes probes. Its headers go on every response.
struct ProtectedRouter<Inner: HTTPResponderBuilder>: HTTPResponderBuilder {
    let inner: Inner
    let security: WebSecurity

    func buildResponder() -> ProtectedResponder<Inner.Responder> {
        ProtectedResponder(inner: inner.buildResponder(), security: security)
    }
}

/// The responder ``ProtectedRouter`` builds.
struct ProtectedResponder<Inner: HTTPResponder>: HTTPResponder {
    typealias Context = Inner.Context

    /// The paths a probe reaches with GET or HEAD without credentials: they tell only whether soak runs and is ready.
    static var probePaths: Set<String> { ["/healthz", "/readyz"] }

    let inner: Inner
    let security: WebSecurity

    func respond(to request: Request, context: Context) async throws -> Response {
        guard let policy = security.policy else { return try await inner.respond(to: request, context: context) }
        var response: Response
        if Self.isProbe(request) {
            response = try await inner.respond(to: request, context: context)
        } else if let limiter = policy.limiter, !limiter.allow() {
            security.metrics?.rejected(.rateLimited)
            response = WebServer.text(.tooManyRequests, "Too Many Requests: rate_limit in the web config allows no more now\n")
        } else if let users = policy.users, await !security.authenticator.authenticate(authorization: request.headers[.authorization], users: users) {
            security.metrics?.rejected(.unauthorized)
            response = WebServer.text(.unauthorized, "Unauthorized\n")
            response.headers[.wwwAuthenticate] = #"Basic realm="soak", charset="UTF-8""#
        } else {
            response = try await inner.respond(to: request, context: context)
        }
        for field in policy.headers { response.headers[field.name] = field.value }
        return response
    }

    static func isProbe(_ request: Request) -> Bool {
        (request.method == .get || request.method == .head) && probePaths.contains(request.uri.path)
    }
}
