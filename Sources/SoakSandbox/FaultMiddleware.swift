internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import NIOCore
internal import SoakConfig

/// Faults any route injects when its query asks: `sandbox_delay=2s` answers that much later,
/// `sandbox_status=503` answers that status with a JSON error, `sandbox_body=malformed` cuts the
/// JSON answer short, `sandbox_body=html` answers an HTML error page with status 200 (a proxy's login page).
struct FaultMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let query = request.uri.queryParameters
        if let delay = query["sandbox_delay"].flatMap({ DurationSyntax.parse(String($0)) }) {
            try await Task.sleep(for: delay)
        }
        if let status = query["sandbox_status"].flatMap({ Int(String($0)) }) {
            return SandboxRoutes.json(HTTPResponse.Status(code: status), ["detail": "sandbox: injected status \(status)"])
        }
        switch query["sandbox_body"].map(String.init) {
        case "malformed":
            // The sandbox's answers are one buffer each: keep the first half of it.
            var response = try await next(request, context)
            response.body = response.body.map { ByteBuffer(bytes: Array($0.readableBytesView.prefix(max(1, $0.readableBytes / 2)))) }
            return response
        case "html":
            return Response(
                status: .ok, headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body><h1>Access denied</h1></body></html>\n")))
        default:
            return try await next(request, context)
        }
    }
}

/// Requires HTTP basic auth with the given credentials on every route but `/healthz`, as Pulp does.
struct BasicAuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    let username: String
    let password: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        guard request.uri.path == "/healthz" || request.headers[.authorization] == expected else {
            return Response(
                status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"soak-sandbox\"", .contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"detail\":\"Authentication credentials were not provided.\"}")))
        }
        return try await next(request, context)
    }
}
