internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore
internal import SoakConfig
internal import SoakPostgres

/// The sandbox's HTTP routes: Pulp's status, task, orphan-cleanup, task-ingestion and remote
/// connection-test endpoints in their real shapes, a dispatch endpoint whose tasks tests can steer,
/// a plain endpoint with configurable latency and errors, and the ``ControlRoutes``.
struct SandboxRoutes: Sendable {
    /// The remote connection tests the Pulp endpoint offers.
    static let connectionTests = [
        "idle", "heartbeat", "idle_in_transaction", "transaction_with_work", "session_variable", "listen", "listen_with_notify",
    ]

    let store: SandboxStore
    let settings: SandboxSettings
    let logger: Logger
    let faults: SandboxFaults
    let control: ControlRoutes

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: PulpRequestMetricsMiddleware(metrics: control.metrics))
        router.add(middleware: FaultMiddleware())
        if let credentials = settings.credentials {
            router.add(middleware: BasicAuthMiddleware(username: credentials.username, password: credentials.password))
        }
        router.get("/pulp/api/v3/status/") { _, _ in await self.status() }
        router.get("/pulp/api/v3/tasks/") { request, _ in
            let query = request.uri.queryParameters
            return await self.taskList(
                limit: query["limit"].flatMap { Int(String($0)) } ?? 100, offset: query["offset"].flatMap { Int(String($0)) } ?? 0)
        }
        router.get("/pulp/api/v3/tasks/:id/") { _, context in await self.task(id: context.parameters.get("id") ?? "") }
        router.post("/pulp/api/v3/orphans/cleanup/") { _, _ in
            await self.dispatch([
                .init(
                    name: "pulpcore.app.tasks.orphan.orphan_cleanup", kind: "sleep",
                    runSeconds: DurationSyntax.seconds(self.settings.taskDuration.draw()), fail: Double.random(in: 0..<1) < self.settings.taskFailureRate)
            ])
        }
        router.post("/pulp/api/v3/sandbox/tasks/") { request, _ in await self.dispatchSteered(request) }
        router.get("/api/pulp/test/tasks/") { _, _ in await self.ingest() }
        router.get("/api/pulp/rds-connection-tests/") { _, _ in
            Self.json(.ok, ["tests": Self.connectionTests.map { ["name": $0] }])
        }
        router.post("/api/pulp/rds-connection-tests/") { request, _ in await self.dispatchConnectionTests(request) }
        router.get("/sandbox/work") { _, _ in await self.work() }
        router.post("/sandbox/work") { _, _ in await self.work() }
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "OK\n"))) }
        control.add(to: router)
        return router
    }

    /// Pulp's status document: workers with a heartbeat within the worker TTL, this process as the one API app, and
    /// whether the database answered. The sandbox has no content app and no Redis, and says so.
    private func status() async -> Response {
        var workers: Any = [Any]()
        var connected = true
        do {
            workers = try JSONSerialization.jsonObject(with: Data(try await store.onlineWorkersJSON(ttl: settings.workerTTL).utf8))
        } catch {
            connected = false
        }
        let now = ISO8601DateFormatter().string(from: Date())
        return Self.json(
            .ok,
            [
                "versions": [["component": "core", "version": "sandbox", "package": "soak-sandbox"]],
                "online_workers": workers,
                "online_api_apps": [["name": "\(ProcessInfo.processInfo.processIdentifier)@soak-sandbox", "last_heartbeat": now]],
                "online_content_apps": [Any](),
                "database_connection": ["connected": connected],
                "redis_connection": ["connected": false],
                "storage": NSNull(),
            ])
    }

    private func task(id: String) async -> Response {
        do {
            guard let text = try await store.taskJSON(id: id) else { return Self.json(.notFound, ["detail": "No Task matches the given query."]) }
            return Self.json(.ok, text: text)
        } catch {
            return databaseFailure(error)
        }
    }

    private func taskList(limit: Int, offset: Int) async -> Response {
        guard (1...1000).contains(limit), offset >= 0 else { return Self.json(.badRequest, ["limit": ["Ensure limit is between 1 and 1000."]]) }
        do {
            let text = try await store.taskListJSON(limit: limit, offset: offset)
            return Self.json(.ok, text: text)
        } catch {
            return databaseFailure(error)
        }
    }

    private func dispatch(_ tasks: [SandboxStore.NewTask]) async -> Response {
        do {
            let ids = try await store.dispatch(tasks)
            return Self.json(.accepted, ["task": "/pulp/api/v3/tasks/\(ids.first ?? "")/"])
        } catch {
            return databaseFailure(error)
        }
    }

    /// `POST /pulp/api/v3/sandbox/tasks/` with `{"duration_seconds": 1.5, "fail": false, "blocked": false, "count": 1}`:
    /// tasks that run as long as asked, fail when asked, or stay blocked (never start) when asked.
    /// One task answers `{"task": href}`; more answer `{"tasks": [{"task_href": href}, ...]}`.
    private func dispatchSteered(_ request: Request) async -> Response {
        guard let body = await Self.jsonBody(request) else { return Self.json(.badRequest, ["detail": "expected a JSON object"]) }
        let count = (body["count"] as? Int) ?? 1
        guard (1...100).contains(count) else { return Self.json(.badRequest, ["count": ["Ensure this value is between 1 and 100."]]) }
        let task = SandboxStore.NewTask(
            name: "soak_sandbox.tasks.steered", kind: "sleep", runSeconds: (body["duration_seconds"] as? Double) ?? 0,
            fail: (body["fail"] as? Bool) ?? false, blocked: (body["blocked"] as? Bool) ?? false)
        do {
            let ids = try await store.dispatch(Array(repeating: task, count: count))
            if count == 1 { return Self.json(.accepted, ["task": "/pulp/api/v3/tasks/\(ids[0])/"]) }
            return Self.json(.accepted, ["tasks": ids.map { ["task_id": $0, "task_href": "/pulp/api/v3/tasks/\($0)/"] }])
        } catch {
            return databaseFailure(error)
        }
    }

    /// Pulp's task-ingestion test: dispatch no-op tasks (an INSERT and a wakeup NOTIFY each) for the
    /// ingestion window, then answer how many.
    private func ingest() async -> Response {
        let deadline = ContinuousClock.now + settings.ingestionWindow
        var executed = 0
        do {
            try await store.withConnection("ingestion") { connection in
                let statement = SandboxStore.NewTask(name: "pulpcore.app.tasks.test.dummy_task", kind: "noop").statement
                while ContinuousClock.now < deadline, !Task.isCancelled {
                    let started = ContinuousClock.now
                    _ = try await connection.query(statement, timeout: SandboxStore.queryTimeout).get()
                    executed += 1
                    let spent = ContinuousClock.now - started
                    if spent < settings.dispatchTime { try? await Task.sleep(for: settings.dispatchTime - spent) }
                }
            }
        } catch {
            return databaseFailure(error)
        }
        return Self.json(.ok, ["tasks_executed": executed])
    }

    /// `POST /api/pulp/rds-connection-tests/` with `{"tests": [...], "run_sequentially": false, "duration_minutes": 50}`.
    private func dispatchConnectionTests(_ request: Request) async -> Response {
        guard let body = await Self.jsonBody(request) else { return Self.json(.badRequest, ["detail": "expected a JSON object"]) }
        let tests = (body["tests"] as? [String]) ?? Self.connectionTests
        let unknown = tests.filter { !Self.connectionTests.contains($0) }
        guard unknown.isEmpty, !tests.isEmpty else {
            return Self.json(.badRequest, ["tests": ["Unknown tests: \(unknown.joined(separator: ", ")); available: \(Self.connectionTests.joined(separator: ", "))"]])
        }
        // A number, or a numeric string as Pulp's serializer also takes (what a templated body sends).
        let minutes = (body["duration_minutes"] as? Double) ?? (body["duration_minutes"] as? String).flatMap(Double.init) ?? 50
        let newTasks = tests.map { test in
            SandboxStore.NewTask(
                name: "pulpcore.app.tasks.test.rds_connection_test", kind: "rds_connection_test", runSeconds: minutes * 60,
                args: JSONText.from(["test_name": test]))
        }
        do {
            let ids = try await store.dispatch(newTasks)
            let tasks = zip(tests, ids).map { ["test_name": $0, "task_id": $1, "task_href": "/pulp/api/v3/tasks/\($1)/"] }
            return Self.json(
                .accepted,
                [
                    "message": "Dispatched \(tasks.count) connection tests", "tasks": tasks,
                    "run_sequentially": (body["run_sequentially"] as? Bool) ?? false, "duration_minutes": minutes,
                ])
        } catch {
            return databaseFailure(error)
        }
    }

    /// The plain endpoint: answers after the configured latency plus the injected one, with a 500 at the
    /// larger of the configured and the injected error rate.
    private func work() async -> Response {
        let injected = faults.current
        try? await Task.sleep(for: settings.latency.draw() + injected.addedLatency.draw())
        if Double.random(in: 0..<1) < max(settings.errorRate, injected.errorRate) {
            return Self.json(.internalServerError, ["detail": "sandbox: injected error"])
        }
        return Self.json(.ok, ["ok": true])
    }

    private func databaseFailure(_ error: any Error) -> Response {
        logger.warning("database request failed", metadata: ["error": "\(error)"])
        return Self.json(.internalServerError, ["detail": "database error: \(error)"])
    }

    static func jsonBody(_ request: Request) async -> [String: Any]? {
        guard let buffer = try? await request.body.collect(upTo: 1 << 20) else { return nil }
        if buffer.readableBytes == 0 { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any]
    }

    static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        json(status, text: JSONText.from(object))
    }

    static func json(_ status: HTTPResponse.Status, text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
