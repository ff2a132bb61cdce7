internal import Foundation
internal import Hummingbird
internal import NIOCore

/// The sandbox's own routes beside Pulp's: faults injected at run time, the Alertmanager webhook that
/// records notifications, and the Pulp-shaped metrics. Authenticated like every route but `/healthz`.
struct ControlRoutes: Sendable {
    let faults: SandboxFaults
    let inbox: AlertInbox
    let metrics: PulpMetrics

    func add(to router: Router<BasicRequestContext>) {
        router.get("/sandbox/faults") { _, _ in SandboxRoutes.json(.ok, self.faults.json) }
        router.post("/sandbox/faults") { request, _ in
            guard let body = await SandboxRoutes.jsonBody(request) else {
                return SandboxRoutes.json(.badRequest, ["detail": "Expected a JSON object with any of \(SandboxFaults.keys.joined(separator: ", "))."])
            }
            let problems = self.faults.apply(body)
            guard problems.isEmpty else { return SandboxRoutes.json(.badRequest, problems) }
            return SandboxRoutes.json(.ok, self.faults.json)
        }
        router.delete("/sandbox/faults") { _, _ in
            self.faults.clear()
            return SandboxRoutes.json(.ok, self.faults.json)
        }
        router.get("/sandbox/alerts") { _, _ in SandboxRoutes.json(.ok, text: self.inbox.json) }
        router.post("/sandbox/alerts") { request, _ in
            guard let body = await SandboxRoutes.jsonBody(request), body["alerts"] is [Any] else {
                return SandboxRoutes.json(.badRequest, ["detail": "Expected an Alertmanager webhook body: a JSON object with \"alerts\"."])
            }
            self.inbox.record(body)
            return SandboxRoutes.json(.ok, ["received": true])
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: await self.metrics.exposition())))
        }
    }
}
