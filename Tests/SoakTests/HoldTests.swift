import Foundation
import Logging
import Prometheus
@testable import Soak
@testable import SoakConfig
import SoakPostgres
import Testing

/// A database entry, its metrics and a results file, to run holds in-process against real servers.
struct HoldHarness {
    let database: DatabaseConfig
    let metrics: DatabaseMetrics
    let endpoint: PostgresEndpoint
    let results: ResultsFile
    let resultsPath: String

    /// `entry` is the YAML of one `databases` item (without the leading dash).
    init(_ entry: String) throws {
        let yaml = "databases:\n  - " + entry.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n    ")
        let config = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp", environment: [:])
        database = config.databases[0]
        metrics = DatabaseMetrics(registry: PrometheusCollectorRegistry())
        endpoint = PostgresEndpoint(config: database, openGauge: metrics.connectionsOpen(database: database.name))
        resultsPath = FileManager.default.temporaryDirectory.appendingPathComponent("soak-results-\(UUID().uuidString).jsonl").path
        results = ResultsFile(path: resultsPath, registry: metrics.registry, logger: Logger(label: "test"))
    }

    func runner(_ test: HoldTest) -> HoldRunner {
        let hold = database.holds.first { $0.test == test }!
        return HoldRunner(
            config: hold, endpoint: endpoint, metrics: HoldMetrics(metrics: metrics, database: database.name, test: test), results: results,
            status: HoldStatus(test: test.rawValue),
            logger: Logger(label: "test"))
    }

    var exposition: String { metrics.registry.emitToString() }

    /// The results file's lines, each parsed as a JSON object.
    func resultLines() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: resultsPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw HTTP.Failure(description: "not a JSON object: \(line)")
            }
            return object
        }
    }
}

extension HoldRunner {
    /// One run, reported as the daemon reports it (results file, log, metrics), on a thread of its
    /// own: fixtures of other tests that block the cooperative threads must not delay its heartbeats.
    func runAndReport() async -> HoldRecord {
        await withTaskExecutorPreference(ThreadExecutor.holds) {
            let (record, reason) = await runOnce()
            await report(record, reason: reason)
            return record
        }
    }
}

@Suite("Connection-lifetime tests against real PostgreSQL 15 and pgbouncer", .timeLimit(.minutes(2)))
struct HoldTests {
    @Test func pgbouncerIdleTimeoutEndsTheIdleHoldAndIsSeenWithinASecondWhileHeartbeatSurvives() async throws {
        let postgres = try await PostgresServer()
        let bouncer = try await PgBouncer(server: postgres, clientIdleTimeoutSeconds: 3)
        let harness = try HoldHarness("""
            name: proxy
            dsn: "\(bouncer.dsn)"
            probes: {}
            holds:
              - { test: idle, hold: 20s }
              - { test: heartbeat, hold: 5s, interval: 1s }
            """)
        async let idle = harness.runner(.idle).runAndReport()
        async let heartbeat = harness.runner(.heartbeat).runAndReport()
        let (idleRecord, heartbeatRecord) = await (idle, heartbeat)

        #expect(idleRecord.result == .died)
        #expect(idleRecord.reason == "server_closed")
        #expect(idleRecord.sqlstate == "08P01")
        #expect(idleRecord.message?.contains("client_idle_timeout") == true)
        let lifetime = try #require(idleRecord.lifetimeSeconds)
        #expect(lifetime >= 3 && lifetime < 5, "lifetime \(lifetime)")
        // pgbouncer logs the moment it closes the client; soak must have noticed within a second of it.
        let closedAt = try #require(bouncer.idleTimeoutClosings().first)
        let noticedAfter = idleRecord.endedAt.timeIntervalSince(closedAt)
        #expect(noticedAfter > -0.05 && noticedAfter < 1, "noticed \(noticedAfter)s after pgbouncer closed the client")

        #expect(heartbeatRecord.result == .survived)
        #expect(heartbeatRecord.iterations == 4)
        #expect(heartbeatRecord.alive)

        let metrics = harness.exposition
        #expect(MetricsText.value(metrics, "soak_db_hold_runs_total", ["test": "idle", "result": "died"]) == 1)
        #expect(MetricsText.value(metrics, "soak_db_hold_disconnects_total", ["test": "idle", "reason": "server_closed"]) == 1)
        #expect(MetricsText.value(metrics, "soak_db_hold_lifetime_seconds_count", ["test": "idle"]) == 1)
        #expect(MetricsText.value(metrics, "soak_db_hold_runs_total", ["test": "heartbeat", "result": "survived"]) == 1)
        #expect(MetricsText.value(metrics, "soak_db_connections_open", ["database": "proxy"]) == 0)
    }

    @Test func serverSideTimeoutsGiveTheirOwnReasons() async throws {
        let postgres = try await PostgresServer()
        // libpq's options key sets the timeouts for these sessions only.
        let inTransaction = try HoldHarness("""
            name: direct
            dsn: "\(postgres.dsn) options='-c idle_in_transaction_session_timeout=2000'"
            probes: {}
            holds: [{ test: idle_in_transaction, hold: 20s }]
            """)
        let idleSession = try HoldHarness("""
            name: direct
            dsn: "\(postgres.dsn) options='-c idle_session_timeout=2000'"
            probes: {}
            holds: [{ test: idle, hold: 20s }]
            """)
        async let first = inTransaction.runner(.idleInTransaction).runAndReport()
        async let second = idleSession.runner(.idle).runAndReport()
        let (transactionRecord, idleRecord) = await (first, second)

        #expect(transactionRecord.result == .died)
        #expect(transactionRecord.reason == "idle_in_transaction_timeout")
        #expect(transactionRecord.sqlstate == "25P03")
        #expect(idleRecord.result == .died)
        #expect(idleRecord.reason == "idle_session_timeout")
        #expect(idleRecord.sqlstate == "57P05")
        for record in [transactionRecord, idleRecord] {
            // The server's timer starts after the opening statements, which run on the connection's thread right after connecting.
            let lifetime = try #require(record.lifetimeSeconds)
            #expect(lifetime >= 2 && lifetime < 3, "\(record.test) lifetime \(lifetime)")
        }
        #expect(MetricsText.value(inTransaction.exposition, "soak_db_hold_disconnects_total", ["reason": "idle_in_transaction_timeout"]) == 1)
        #expect(MetricsText.value(idleSession.exposition, "soak_db_hold_disconnects_total", ["reason": "idle_session_timeout"]) == 1)
    }

    @Test func terminatingTheBackendIsAnAdminShutdownNoticedAtOnce() async throws {
        let postgres = try await PostgresServer()
        let harness = try HoldHarness("""
            name: direct
            dsn: "\(postgres.dsn)"
            probes: {}
            holds: [{ test: idle, hold: 60s }]
            """)
        let run = Task { await harness.runner(.idle).runAndReport() }
        let holding = try await eventually { MetricsText.value(harness.exposition, "soak_db_hold_alive", ["test": "idle"]) == 1 }
        #expect(holding)
        try postgres.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'soak/direct/idle'")
        let terminatedAt = Date()
        let record = await run.value

        #expect(record.result == .died)
        #expect(record.reason == "admin_shutdown")
        #expect(record.sqlstate == "57P01")
        #expect(record.endedAt.timeIntervalSince(terminatedAt) < 1)
        #expect(MetricsText.value(harness.exposition, "soak_db_hold_alive", ["test": "idle"]) == 0)
        let lines = try harness.resultLines()
        #expect(lines.count == 1)
        #expect(lines.first?["reason"] as? String == "admin_shutdown")
        #expect(lines.first?["backend_pid"] as? Int == Int(record.backendPID ?? -1))
    }

    /// PostgreSQL going down says why with a WARNING, not a FATAL: 57P01 for an immediate shutdown (a
    /// failover, a host going down), 57P02 when another backend crashed and the server restarts.
    /// Without the WARNING the death looks like a proxy closing the client (`server_closed`).
    @Test(arguments: [("immediate shutdown", "57P01"), ("crash of another backend", "57P02")])
    func postgresGoingDownIsAnAdminShutdownWithItsSQLSTATE(_ event: String, _ sqlstate: String) async throws {
        let postgres = try await PostgresServer()
        let harness = try HoldHarness("""
            name: direct
            dsn: "\(postgres.dsn)"
            probes: {}
            holds: [{ test: idle, hold: 60s }]
            """)
        let run = Task { await harness.runner(.idle).runAndReport() }
        #expect(try await eventually { MetricsText.value(harness.exposition, "soak_db_hold_alive", ["test": "idle"]) == 1 })
        var sleeper: Process?
        if sqlstate == "57P01" {
            postgres.stop(immediately: true)
        } else {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            process.arguments = ["-h", "127.0.0.1", "-p", String(postgres.port), "-U", "soak", "-d", "postgres", "-c", "SELECT pg_sleep(30)"]
            process.environment = ["PGAPPNAME": "crasher"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            sleeper = process
            let pid = try #require(try await postgres.backendPID(of: "crasher"))
            kill(pid, SIGKILL)
        }
        let record = await run.value
        sleeper?.terminate()

        #expect(record.result == .died, "\(event)")
        #expect(record.sqlstate == sqlstate, "\(event): \(record.message ?? "")")
        #expect(record.reason == "admin_shutdown", "\(event)")
        #expect(MetricsText.value(harness.exposition, "soak_db_hold_disconnects_total", ["reason": "admin_shutdown"]) == 1)
        #expect(try harness.resultLines().first?["sqlstate"] as? String == sqlstate)
    }

    /// A hold's statement that overruns the hold's statement_timeout ends the run with one reason,
    /// `timeout`, in the results file and the metric alike.
    @Test func aHoldStatementPastItsTimeoutIsATimeoutInTheResultsFileAndTheMetric() async throws {
        let postgres = try await PostgresServer()
        let harness = try HoldHarness("""
            name: direct
            dsn: "\(postgres.dsn)"
            probes: {}
            holds: [{ test: heartbeat, hold: 60s, interval: 1s, statement_timeout: 500ms }]
            """)
        #expect(harness.database.holds[0].statementTimeout == .milliseconds(500))
        let run = Task { await harness.runner(.heartbeat).runAndReport() }
        // A stopped backend never answers the next heartbeat, nor the cancel request.
        let pid = try #require(try await postgres.backendPID(of: "soak/direct/heartbeat"))
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        let record = await run.value

        #expect(record.result == .died)
        #expect(record.reason == "timeout", "\(record.message ?? "")")
        #expect(try harness.resultLines().first?["reason"] as? String == "timeout")
        #expect(MetricsText.value(harness.exposition, "soak_db_hold_disconnects_total", ["reason": "timeout"]) == 1)
        #expect(MetricsText.value(harness.exposition, "soak_db_hold_disconnects_total", ["reason": "other"]) == 0)
    }

    @Test func listenWithNotifyReceivesEveryNotificationAndListenCountsWhatArrives() async throws {
        let postgres = try await PostgresServer()
        let harness = try HoldHarness("""
            name: direct
            dsn: "\(postgres.dsn)"
            probes: {}
            holds:
              - { test: listen_with_notify, hold: 3s, notify_every: 200ms, channel: soak_probe }
              - { test: listen, hold: 6s, channel: pulp_worker_wakeup }
            """)
        async let notified = harness.runner(.listenWithNotify).runAndReport()
        async let listened = harness.runner(.listen).runAndReport()
        let sent = try await eventually { MetricsText.value(harness.exposition, "soak_db_hold_alive", ["test": "listen"]) == 1 }
        #expect(sent)
        // One psql run, so both arrive well inside the hold even on a busy runner.
        try postgres.execute("NOTIFY pulp_worker_wakeup; NOTIFY pulp_worker_wakeup, 'cancel'")
        let (notifyRecord, listenRecord) = await (notified, listened)

        #expect(notifyRecord.result == .survived)
        let counts = try #require(notifyRecord.notifications)
        // Sends at 200 ms, 400 ms, … 2.8 s of a 3 s hold: 14, fewer when a send is a whole interval late
        // (the notifier skips rather than bunches; a loaded test runner makes that happen). What counts
        // is that everything sent arrives.
        #expect(counts.sent >= 1 && counts.sent <= 14, "sent \(counts.sent)")
        #expect(counts.received == counts.sent)
        #expect(counts.missing == 0)
        #expect(counts.duplicate == 0)
        #expect(counts.outOfOrder == 0)
        let metrics = harness.exposition
        let received = Double(counts.received)
        #expect(MetricsText.value(metrics, "soak_db_notify_latency_seconds_count", ["test": "listen_with_notify"]) == received)
        #expect(MetricsText.value(metrics, "soak_db_notifications_total", ["test": "listen_with_notify", "outcome": "received"]) == received)
        #expect(MetricsText.value(metrics, "soak_db_notifications_total", ["test": "listen_with_notify", "outcome": "sent"]) == Double(counts.sent))
        #expect(MetricsText.value(metrics, "soak_db_notifications_total", ["test": "listen_with_notify", "outcome": "missing"]) == 0)
        let latencySum = try #require(MetricsText.value(metrics, "soak_db_notify_latency_seconds_sum", ["test": "listen_with_notify"]))
        // Loopback delivery takes milliseconds; the bound only catches a send time stamped in the wrong place.
        #expect(latencySum > 0 && latencySum / received < 0.5)

        #expect(listenRecord.result == .survived)
        #expect(listenRecord.notifications?.received == 2)
        #expect(MetricsText.value(metrics, "soak_db_notifications_total", ["test": "listen", "outcome": "received"]) == 2)
        #expect(try harness.resultLines().count == 2)
    }

    @Test func sessionVariableSeesWhenAPoolerSwapsTheSession() async throws {
        let postgres = try await PostgresServer()
        let bouncer = try await PgBouncer(server: postgres, clientIdleTimeoutSeconds: 0)
        let direct = try HoldHarness("""
            name: direct
            dsn: "\(postgres.dsn)"
            probes: {}
            holds: [{ test: session_variable, hold: 1s }]
            """)
        let proxy = try HoldHarness("""
            name: proxy
            dsn: "\(bouncer.dsn)"
            probes: {}
            holds: [{ test: session_variable, hold: 4s }]
            """)
        // While the held client is idle, another client takes the pooler's server connection (the most
        // recently used one, which carries the setting), so the held client's closing check runs on a
        // different server session without it.
        let held = Task { await proxy.runner(.sessionVariable).runAndReport() }
        #expect(try await eventually { MetricsText.value(proxy.exposition, "soak_db_hold_alive", ["test": "session_variable"]) == 1 })
        let port = String(bouncer.port)
        let blocker = Task {
            await BlockingThread.run(name: "psql") {
                _ = try? Command.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", port, "-U", "soak", "-d", "postgres", "-c", "SELECT pg_sleep(6)"])
            }
        }
        #expect(try await eventually {
            let sleeping = try Command.run(
                "/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(postgres.port), "-U", "soak", "-d", "postgres", "-Atc",
                                  "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active' AND pid <> pg_backend_pid()"])
            return sleeping.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        })
        let proxyRecord = await held.value
        _ = await blocker.value
        let directRecord = await direct.runner(.sessionVariable).runAndReport()

        #expect(directRecord.sessionKept == true)
        #expect(directRecord.backendPIDAtEnd == directRecord.backendPID)
        #expect(proxyRecord.sessionKept == false)
        #expect(proxyRecord.backendPIDAtEnd != proxyRecord.backendPID)
    }
}

extension PgBouncer {
    /// When pgbouncer closed clients for client_idle_timeout, from its log.
    func idleTimeoutClosings() -> [Date] {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return log.split(separator: "\n").filter { $0.contains("closing because: client_idle_timeout") }.compactMap {
            format.date(from: String($0.prefix(23)))
        }
    }
}

@Suite("The libpq connection against a real PostgreSQL 15", .timeLimit(.minutes(1)))
struct PostgresConnectionTests {
    @Test func aQueryPastItsTimeoutIsCancelledAndTheConnectionStaysUsable() async throws {
        let postgres = try await PostgresServer()
        let harness = try HoldHarness("""
            name: direct
            dsn: "\(postgres.dsn)"
            probes: {}
            """)
        let connection = try await PostgresConnection.open(harness.endpoint, probe: "test", timeout: .seconds(5)).get().connection
        defer { connection.close() }
        let started = ContinuousClock.now
        let result = await connection.query("SELECT pg_sleep(10)", timeout: .milliseconds(300))
        let took = ContinuousClock.now - started
        guard case .failure(let failure) = result else {
            Issue.record("the query did not time out")
            return
        }
        #expect(failure.reason == .timeout)
        #expect(failure.sqlstate == "57014")
        // Well short of the 10 s the query would have slept (the margin absorbs a busy test runner).
        #expect(took < .seconds(5), "took \(took)")
        #expect(connection.isUsable)
        let rows = try await connection.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()", timeout: .seconds(5)).get().rows
        #expect(rows == [["0"]])
        #expect(MetricsText.value(harness.exposition, "soak_db_connections_open", ["database": "direct"]) == 1)
    }

    @Test func aRefusedConnectionFailsFastWithReasonConnect() async throws {
        let harness = try HoldHarness("""
            name: nowhere
            dsn: "host=127.0.0.1 port=\(try freePort()) dbname=x user=soak password=hunter2"
            probes: {}
            """)
        let result = await PostgresConnection.open(harness.endpoint, probe: "test", timeout: .seconds(5))
        guard case .failure(let failure) = result else {
            Issue.record("connected to a closed port")
            return
        }
        #expect(failure.reason == .connect)
        #expect(failure.message.contains("Connection refused"))
        #expect(!failure.message.contains("hunter2"))
        #expect(MetricsText.value(harness.exposition, "soak_db_connections_open", ["database": "nowhere"]) == 0)
    }
}
