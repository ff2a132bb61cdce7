internal import Foundation
internal import Logging
internal import SoakConfig
internal import SoakPostgres

/// One sandbox worker, living as a Pulp worker does: a connection that LISTENs on the wakeup channel,
/// a heartbeat three times per worker TTL beside it (also while a task runs, unblocking waiting tasks as a
/// busy Pulp worker does when woken), and a loop that unblocks waiting tasks, claims the oldest and runs it,
/// filling `unblocked_at`, `started_at` and `finished_at` as Pulp does.
struct TaskWorker: Sendable {
    let name: String
    let store: SandboxStore
    let settings: SandboxSettings
    let logger: Logger

    /// A claimed task: what the worker needs to run it.
    private struct Claimed {
        let id: String
        let kind: String
        let runSeconds: Double
        let fail: Bool
        let args: [String: Any]
    }

    /// Works and heartbeats until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await heartbeat() }
            group.addTask { await work() }
        }
    }

    /// How often the worker heartbeats, and looks for tasks when no NOTIFY wakes it.
    private var heartbeatInterval: Duration { settings.workerTTL / 3 }

    /// Records the worker as online every heartbeat interval, unblocks waiting tasks (so tasks waiting behind
    /// busy workers show as queue time), and deletes tasks finished longer ago than the retention.
    private func heartbeat() async {
        while !Task.isCancelled {
            do {
                _ = try await store.query(
                    "heartbeat",
                    """
                    INSERT INTO sandbox_worker (name, last_heartbeat) VALUES (\(SQL.literal(name)), clock_timestamp())
                        ON CONFLICT (name) DO UPDATE SET last_heartbeat = excluded.last_heartbeat;
                    \(Self.unblockWaiting);
                    DELETE FROM sandbox_task WHERE finished_at < clock_timestamp() - interval '\(Int(DurationSyntax.seconds(settings.taskRetention))) seconds'
                    """)
            } catch {
                logger.debug("heartbeat failed", metadata: ["worker": "\(name)", "error": "\(error)"])
            }
            try? await Task.sleep(for: heartbeatInterval)
        }
    }

    /// Runs tasks until cancelled; a lost connection is reopened after a pause.
    private func work() async {
        var pause = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                try await runTasks { pause = .seconds(1) }
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("worker lost its database connection; reconnecting", metadata: ["worker": "\(name)", "error": "\(error)"])
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(30))
        }
    }

    /// Connects, calls `connected`, and works until the connection fails or the task is cancelled.
    private func runTasks(connected: () -> Void) async throws {
        let connection = try await store.connect(
            "worker",
            opening: [
                "LISTEN \(SandboxStore.wakeupChannel)",
                // Tasks this worker was running when it last stopped will never finish: fail them, as Pulp's worker cleanup does.
                """
                UPDATE sandbox_task SET state = 'failed', finished_at = clock_timestamp(),
                    error = '{"description": "the worker running this task went away", "traceback": ""}'
                WHERE state = 'running' AND worker = \(SQL.literal(name))
                """,
            ])
        defer { connection.close() }
        connected()
        logger.info("worker started", metadata: ["worker": "\(name)"])
        while !Task.isCancelled {
            if let task = try await claim(on: connection) {
                let outcome = await execute(task)
                // A stopped worker records nothing: the task stays running until the worker starts
                // again and fails it, as Pulp fails the tasks of a worker that went away.
                guard !Task.isCancelled else { return }
                _ = try await connection.query(
                    """
                    UPDATE sandbox_task SET state = \(SQL.literal(outcome.state)), finished_at = clock_timestamp(),
                        error = \(outcome.error.map { SQL.literal($0) + "::jsonb" } ?? "NULL"),
                        result = \(outcome.result.map { SQL.literal($0) + "::jsonb" } ?? "NULL")
                    WHERE id = \(SQL.literal(task.id))
                    """, timeout: SandboxStore.queryTimeout
                ).get()
                continue
            }
            // Woken by a NOTIFY, or every heartbeat interval to look again.
            if case .lost(let failure) = await connection.watch(until: .now + heartbeatInterval) {
                throw failure
            }
        }
    }

    /// Marks waiting tasks that are not blocked as unblocked.
    private static let unblockWaiting = "UPDATE sandbox_task SET unblocked_at = clock_timestamp() WHERE state = 'waiting' AND unblocked_at IS NULL AND NOT blocked"

    /// Marks waiting tasks that are not blocked as unblocked, then takes the oldest unblocked one.
    private func claim(on connection: PostgresConnection) async throws -> Claimed? {
        let rows = try await connection.query(
            """
            \(Self.unblockWaiting);
            UPDATE sandbox_task SET state = 'running', started_at = clock_timestamp(), worker = \(SQL.literal(name))
            WHERE id = (
                SELECT id FROM sandbox_task WHERE state = 'waiting' AND unblocked_at IS NOT NULL
                ORDER BY pulp_created LIMIT 1 FOR UPDATE SKIP LOCKED
            )
            RETURNING id, kind, run_seconds, fail, args::text
            """, timeout: SandboxStore.queryTimeout
        ).get().rows
        guard let row = rows.first, row.count == 5, let id = row[0], let kind = row[1] else { return nil }
        let args = (row[4] ?? nil).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
        return Claimed(id: id, kind: kind, runSeconds: Double(row[2] ?? "0") ?? 0, fail: row[3] == "t", args: args)
    }

    /// How a task ended: its final state, and its `error` and `result` as JSON text.
    private struct Outcome {
        var state = "completed"
        var error: String?
        var result: String?
    }

    private func execute(_ task: Claimed) async -> Outcome {
        switch task.kind {
        case "rds_connection_test":
            return await holdConnection(task)
        default:
            try? await Task.sleep(for: .seconds(task.runSeconds))
            guard task.fail else { return Outcome() }
            return Outcome(
                state: "failed",
                error: JSONText.from(["description": "sandbox: this task was set to fail", "traceback": "Traceback (most recent call last):\n  sandbox\n"]))
        }
    }

    /// A remote connection test, as the Pulp endpoint runs them: hold one connection for the duration
    /// (idle, whatever the test's name), then check it is alive with `SELECT 1`.
    private func holdConnection(_ task: Claimed) async -> Outcome {
        let testName = task.args["test_name"] as? String ?? "idle"
        let started = Date()
        var result: [String: Any] = ["test_name": testName, "start_time": ISO8601DateFormatter().string(from: started)]
        do {
            let connection = try await store.connect("rds-test")
            defer { connection.close() }
            let pid = try await connection.query("SELECT pg_backend_pid()", timeout: SandboxStore.queryTimeout).get().rows.first?.first ?? nil
            result["backend_pid"] = pid.flatMap { Int($0) }
            if case .lost(let failure) = await connection.watch(until: .now + .seconds(task.runSeconds)) { throw failure }
            _ = try await connection.query("SELECT 1", timeout: SandboxStore.queryTimeout).get()
            result["connection_alive"] = true
        } catch {
            result["connection_alive"] = false
            result["error_type"] = String(describing: type(of: error))
            result["error_message"] = String(describing: error)
        }
        result["end_time"] = ISO8601DateFormatter().string(from: Date())
        result["duration_seconds"] = Date().timeIntervalSince(started)
        return Outcome(state: "completed", result: JSONText.from(result))
    }
}
