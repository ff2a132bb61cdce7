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
    let board: StatusBoard
    let results: ResultsFile
    let readiness: Readiness
    let lifecycleEnabled: Bool
    let logger: Logger

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: HeadMiddleware())
        router.getAndHead("/metrics") { request, _ in self.metricsResponse(acceptEncoding: request.headers[.acceptEncoding]) }
        router.getAndHead("/healthz") { _, _ in Self.text(.ok, "OK\n") }
        router.getAndHead("/readyz") { _, _ in
            self.readiness.isReady ? Self.text(.ok, "Ready\n") : Self.text(.serviceUnavailable, "Not ready: still starting\n")
        }
        router.getAndHead("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: StatusPage.render(await self.status()))))
        }
        router.getAndHead("/api/v1/status") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: await self.status().json())))
        }
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

    /// What the status page and the status API show now.
    private func status() async -> StatusSnapshot {
        board.snapshot(
            StatusBoard.Context(
                build: build, listeningOn: readiness.listeningOn ?? "not yet", configFile: config.path, lifecycleEnabled: lifecycleEnabled,
                config: await config.current, lastLoad: await config.lastLoad, applying: await config.applying, resultsTail: results.tail))
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
