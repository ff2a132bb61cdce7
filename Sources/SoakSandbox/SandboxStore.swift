internal import Foundation
internal import SoakConfig
internal import SoakPostgres

/// The sandbox's PostgreSQL: a task table shaped like Pulp's, a worker heartbeat table, and the
/// statements the routes and workers run. Each use opens a connection of its own and closes it.
final class SandboxStore: Sendable {
    /// The channel dispatches NOTIFY and workers LISTEN on, as Pulp's.
    static let wakeupChannel = "pulp_worker_wakeup"
    static let queryTimeout = Duration.seconds(30)
    static let connectTimeout = Duration.seconds(10)

    private let endpoint: PostgresEndpoint

    init(dsn: String) {
        endpoint = PostgresEndpoint(name: "sandbox", dsn: dsn, connectTimeout: Self.connectTimeout)
    }

    /// Opens a connection named `soak/sandbox/<purpose>`; the caller closes it.
    func connect(_ purpose: String, opening: [String] = []) async throws -> PostgresConnection {
        try await PostgresConnection.open(endpoint, probe: purpose, timeout: Self.connectTimeout, opening: opening).get().connection
    }

    /// Runs `body` on a fresh connection and closes it.
    func withConnection<T: Sendable>(_ purpose: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await connect(purpose)
        defer { connection.close() }
        return try await body(connection)
    }

    /// Runs one statement on a fresh connection; the rows of its last result.
    func query(_ purpose: String, _ sql: String) async throws -> PostgresConnection.Rows {
        try await withConnection(purpose) { try await $0.query(sql, timeout: Self.queryTimeout).get().rows }
    }

    /// Creates the tables (if missing) under an advisory lock, so sandboxes starting together do not race.
    func prepareSchema() async throws {
        _ = try await query(
            "schema",
            """
            SELECT pg_advisory_lock(727274);
            CREATE TABLE IF NOT EXISTS sandbox_task (
                id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                name text NOT NULL,
                kind text NOT NULL,
                state text NOT NULL DEFAULT 'waiting',
                pulp_created timestamptz NOT NULL DEFAULT clock_timestamp(),
                unblocked_at timestamptz,
                started_at timestamptz,
                finished_at timestamptz,
                blocked boolean NOT NULL DEFAULT false,
                run_seconds double precision NOT NULL DEFAULT 0,
                fail boolean NOT NULL DEFAULT false,
                args jsonb NOT NULL DEFAULT '{}',
                worker text,
                error jsonb,
                result jsonb
            );
            CREATE INDEX IF NOT EXISTS sandbox_task_waiting ON sandbox_task (pulp_created) WHERE state = 'waiting';
            CREATE INDEX IF NOT EXISTS sandbox_task_incomplete ON sandbox_task (state) WHERE state IN ('waiting', 'running');
            CREATE TABLE IF NOT EXISTS sandbox_worker (name text PRIMARY KEY, last_heartbeat timestamptz NOT NULL);
            SELECT pg_advisory_unlock(727274);
            """)
    }

    /// What a dispatch stores: the task's name and kind and how it will run.
    struct NewTask: Sendable {
        var name: String
        var kind: String
        var runSeconds = 0.0
        var fail = false
        var blocked = false
        /// JSON text.
        var args = "{}"

        /// The INSERT and the wakeup NOTIFY in one statement (sent at commit, as Pulp's dispatch does); its row is the new id.
        var statement: String {
            """
            WITH inserted AS (INSERT INTO sandbox_task (name, kind, run_seconds, fail, blocked, args) VALUES \
            (\(SQL.literal(name)), \(SQL.literal(kind)), \(runSeconds), \(fail), \(blocked), \(SQL.literal(args))::jsonb) RETURNING id) \
            SELECT id, pg_notify('\(SandboxStore.wakeupChannel)', '') FROM inserted
            """
        }
    }

    /// Inserts the tasks and wakes the workers; their ids, in order.
    func dispatch(_ tasks: [NewTask]) async throws -> [String] {
        try await withConnection("dispatch") { connection in
            var ids: [String] = []
            for task in tasks {
                let rows = try await connection.query(task.statement, timeout: Self.queryTimeout).get().rows
                if let id = rows.first?.first ?? nil { ids.append(id) }
            }
            return ids
        }
    }

    /// A task row as Pulp's task API shows it, as a json_build_object expression.
    private static let taskObject = """
        json_build_object(
            'pulp_href', '/pulp/api/v3/tasks/' || id || '/',
            'name', name,
            'state', state,
            'pulp_created', \(SQL.pulpTimestamp("pulp_created")),
            'unblocked_at', \(SQL.pulpTimestamp("unblocked_at")),
            'started_at', \(SQL.pulpTimestamp("started_at")),
            'finished_at', \(SQL.pulpTimestamp("finished_at")),
            'worker', CASE WHEN worker IS NULL THEN NULL ELSE '/pulp/api/v3/workers/' || worker || '/' END,
            'error', error,
            'result', result,
            'created_resources', '[]'::json,
            'reserved_resources_record', '[]'::json
        )
        """

    /// The task as JSON text; nil when there is no such task.
    func taskJSON(id: String) async throws -> String? {
        guard UUID(uuidString: id) != nil else { return nil }
        let rows = try await query("api", "SELECT \(Self.taskObject)::text FROM sandbox_task WHERE id = \(SQL.literal(id))")
        return rows.first?.first ?? nil
    }

    /// Pulp's task list, newest first: `{count, next, previous, results}` as JSON text.
    func taskListJSON(limit: Int, offset: Int) async throws -> String {
        let rows = try await query(
            "api",
            """
            SELECT json_build_object(
                'count', (SELECT count(*) FROM sandbox_task), 'next', NULL, 'previous', NULL,
                'results', coalesce((SELECT json_agg(\(Self.taskObject) ORDER BY pulp_created DESC)
                    FROM (SELECT * FROM sandbox_task ORDER BY pulp_created DESC LIMIT \(limit) OFFSET \(offset)) page), '[]'::json)
            )::text
            """)
        return (rows.first?.first ?? nil) ?? "{}"
    }

    /// Workers with a heartbeat within `ttl`, as a JSON list of `{name, last_heartbeat}`.
    func onlineWorkersJSON(ttl: Duration) async throws -> String {
        let rows = try await query(
            "api",
            """
            SELECT coalesce(json_agg(json_build_object('name', name, 'last_heartbeat', \(SQL.pulpTimestamp("last_heartbeat"))) ORDER BY name), '[]')::text
            FROM sandbox_worker WHERE last_heartbeat > clock_timestamp() - interval '\(DurationSyntax.milliseconds(ttl)) milliseconds'
            """)
        return (rows.first?.first ?? nil) ?? "[]"
    }
}
