internal import HTTPTypes
internal import Hummingbird

/// Sends a `HEAD` answer without its body (RFC 9110 9.3.2): the same status and headers as `GET`,
/// `Content-Length` included, so health checks and monitors that probe with `HEAD` see what `GET` sees.
struct HeadMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.method == .head else { return response }
        // The length GET would send, and nothing written.
        response.body = ResponseBody(contentLength: response.body.contentLength) { writer in try await writer.finish(nil) }
        return response
    }
}

extension Router {
    /// Answers `GET` and `HEAD` on `path` with `handler` (``HeadMiddleware`` drops the body of `HEAD`).
    func getAndHead(_ path: RouterPath, use handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        on(path, method: .get, use: handler)
        on(path, method: .head, use: handler)
    }
}
