internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore
internal import SoakConfig

/// The routes soak serves: `/metrics`, `/healthz`, `/readyz`, the status page, and `/-/reload`.
struct WebServer {
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    let build: BuildInfo
    let metrics: SoakMetrics
    let config: ConfigState
    let readiness: Readiness
    let lifecycleEnabled: Bool
    let startedAt: Date
    let startInstant: ContinuousClock.Instant
    let logger: Logger

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: HeadMiddleware())
        router.getAndHead("/metrics") { request, _ in self.metricsResponse(acceptEncoding: request.headers[.acceptEncoding]) }
        router.getAndHead("/healthz") { _, _ in Self.text(.ok, "OK\n") }
        router.getAndHead("/readyz") { _, _ in
            self.readiness.isReady ? Self.text(.ok, "Ready\n") : Self.text(.serviceUnavailable, "Not ready: still starting\n")
        }
        router.getAndHead("/") { _, _ in await self.statusPage() }
        router.post("/-/reload") { _, _ in await self.reload() }
        router.put("/-/reload") { _, _ in await self.reload() }
        return router
    }

    func metricsResponse(acceptEncoding: String?) -> Response {
        let plain = metrics.exposition()
        var headers: HTTPFields = [.contentType: Self.metricsContentType, .vary: "Accept-Encoding"]
        guard AcceptEncoding.allowsGzip(acceptEncoding) else {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: plain)))
        }
        do {
            let compressed = try Gzip.compress(plain)
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: compressed)))
        } catch {
            logger.error("gzip compression failed; serving /metrics uncompressed", metadata: ["error": "\(error)"])
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: plain)))
        }
    }

    private func statusPage() async -> Response {
        let content = StatusPage.Content(
            build: build,
            startedAt: startedAt,
            uptime: ContinuousClock.now - startInstant,
            listeningOn: readiness.listeningOn ?? "not yet",
            configFile: config.path,
            configYAML: await config.current.redactedYAML,
            lastLoad: await config.lastLoad,
            lifecycleEnabled: lifecycleEnabled
        )
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: StatusPage.render(content))))
    }

    private func reload() async -> Response {
        guard lifecycleEnabled else {
            return Self.text(.forbidden, "Lifecycle API is not enabled; start soak with --web.enable-lifecycle\n")
        }
        switch await config.reload(trigger: "http") {
        case .success:
            return Self.text(.ok, "config reloaded\n")
        case .failure(let error):
            return Self.text(.internalServerError, "config reload failed; the previous config keeps running:\n\(error)\n")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
