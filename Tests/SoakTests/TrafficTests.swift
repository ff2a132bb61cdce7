import Foundation
import SoakConfig
import Testing

@Suite("Traffic engine in the daemon, against nginx and the fault server", .timeLimit(.minutes(2)))
struct TrafficTests {
    static func openScenario(url: String, rate: String, path: String, extra: String = "", requestExtra: String = "") -> String {
        """
        targets:
          app: { url: "\(url)", timeout: 5s }
        scenarios:
          - name: steady
            target: app
            rate: \(rate)
        \(extra)
            requests:
              - { name: main, path: "\(path)"\(requestExtra) }
        """
    }

    @Test func openModelHoldsItsRateOnOneKeptAliveConnection() async throws {
        let nginx = try await Nginx()
        let soak = try await RunningSoak(config: Self.openScenario(url: nginx.baseURL, rate: "200/s", path: "/ok"))
        try await Task.sleep(for: .milliseconds(500))
        // Each scrape is timed at the midpoint of its curl run, so a slow process start on a busy
        // runner does not count as soak's.
        func scrape() throws -> (count: Double, at: ContinuousClock.Instant) {
            let before = ContinuousClock.now
            let count = try #require(try soak.value("soak_http_requests_total", ["code": "200"]))
            let after = ContinuousClock.now
            return (count, before + (after - before) / 2)
        }
        let (first, firstAt) = try scrape()
        try await Task.sleep(for: .seconds(4))
        let (second, secondAt) = try scrape()
        let elapsed = secondAt - firstAt
        let rate = (second - first) / DurationSyntax.seconds(elapsed)
        #expect(abs(rate - 200) < 200 * 0.05, "achieved \(rate)/s")
        // Keep-alive: connections are reused. Without it there would be one per request; a few extra
        // open when a burst (a stalled scheduler on a loaded machine) overlaps requests.
        let opened = try #require(try soak.value("soak_http_connections_opened_total", ["target": "app"]))
        #expect(opened * 20 < second, "\(opened) connections for \(second) requests")
        #expect(try soak.value("soak_http_requests_dropped_total") == 0)
        #expect(try soak.value("soak_http_request_errors_total") == 0)
        #expect(try soak.value("soak_http_request_duration_seconds_count", ["request": "main", "method": "GET"]) ?? 0 >= second)
        #expect(try soak.value("soak_objective_latency_seconds", ["percentile": "95"]) == 0.5)
        #expect(try soak.value("soak_objective_error_ratio") == 0.01)
        let promtool = try Executables.required("promtool", package: "prometheus")
        let check = try Command.run(promtool, ["check", "metrics"], stdin: try soak.get("/metrics").body)
        #expect(check.status == 0 && check.stdout.isEmpty && check.stderr.isEmpty, "\(check.stdout)\(check.stderr)")
    }

    @Test func statusCodesAreJudgedByExpectStatus() async throws {
        let nginx = try await Nginx()
        let config = """
            targets:
              app: { url: "\(nginx.baseURL)" }
            scenarios:
              - name: mixed
                target: app
                rate: 60/s
                requests:
                  - { name: broken, path: /broken }
                  - { name: tolerated, path: /missing, expect_status: [200, 404] }
                  - { name: checked, path: /json, checks: [{ json: status, equals: ok }, { json: count, equals: 3 }] }
                  - { name: failing_check, path: /json, checks: [{ json: online, equals: "false" }] }
            """
        let soak = try await RunningSoak(config: config)
        // Requests are drawn at random by weight: wait until every one of them has been sent a few times.
        #expect(try await eventually {
            try ["broken", "tolerated", "checked", "failing_check"].allSatisfy { (try soak.value("soak_http_requests_total", ["request": $0]) ?? 0) >= 3 }
        })
        #expect(try soak.value("soak_http_request_errors_total", ["request": "broken", "reason": "status"]) ?? 0 > 0)
        #expect(try soak.value("soak_http_requests_total", ["request": "broken", "code": "500"]) ?? 0 > 0)
        #expect(try soak.value("soak_http_request_errors_total", ["request": "tolerated"]) == 0)
        #expect(try soak.value("soak_http_requests_total", ["request": "tolerated", "code": "404"]) ?? 0 > 0)
        #expect(try soak.value("soak_http_request_errors_total", ["request": "checked"]) == 0)
        #expect(try soak.value("soak_http_request_errors_total", ["request": "failing_check", "reason": "check"]) ?? 0 > 0)
        // nginx closes the connection after a 500, so keep-alive churn shows.
        #expect(try soak.value("soak_http_connections_opened_total") ?? 0 > 1)
    }

    @Test func virtualUsersEachHaveTheirIdentityAndCredential() async throws {
        let server = try await FaultServer(logRequests: true)
        let tokens = FileManager.default.temporaryDirectory.appendingPathComponent("soak-tokens-\(UUID().uuidString).txt").path
        try "token-a\ntoken-b\ntoken-c\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokens) }
        let config = """
            targets:
              api: { url: "\(server.baseURL)" }
            scenarios:
              - name: watchers
                target: api
                user_count: 3
                users: [{ name: viewer, weight: 1, wait: 100ms..200ms }]
                credentials: { file: \(tokens) }
                pools:
                  bundles: { range: 800..1000, per_user: 50, overlap: 30% }
                requests:
                  - name: history
                    method: POST
                    path: "/echo"
                    headers: { X-Session-Id: "{{ session_id }}", User-Agent: "soak-{{ user.id }}" }
                    body: { user: "{{ user.index }}", bundle: "{{ pool \\"bundles\\" }}", at: "{{ now }}" }
            """
        let soak = try await RunningSoak(config: config)
        #expect(try await eventually { Set(server.loggedRequests().compactMap { ($0["headers"] as? [String: String])?["x-session-id"] }).count == 3 })
        #expect(try soak.value("soak_virtual_users", ["scenario": "watchers", "user_class": "viewer"]) == 3)
        var tokenOfUser: [String: String] = [:]
        var sessionOfUser: [String: String] = [:]
        for request in server.loggedRequests() {
            let headers = try #require(request["headers"] as? [String: String])
            let agent = try #require(headers["user-agent"])
            let session = try #require(headers["x-session-id"])
            #expect(session.count == 32 && session.allSatisfy(\.isHexDigit))
            #expect(headers["content-type"] == "application/json")
            // Each user keeps one session id and one token for its whole life.
            #expect(sessionOfUser[agent, default: session] == session)
            sessionOfUser[agent] = session
            #expect(tokenOfUser[agent, default: headers["authorization"] ?? ""] == headers["authorization"])
            tokenOfUser[agent] = headers["authorization"]
            let body = try #require(try JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8)) as? [String: Any])
            let index = try #require(body["user"] as? Int)
            #expect(agent == "soak-watchers-\(index)")
            let bundle = try #require(body["bundle"] as? Int)
            let start = 800 + index * 35
            #expect((start..<start + 50).contains(bundle), "user \(index) drew \(bundle)")
        }
        #expect(Set(tokenOfUser.values) == ["Bearer token-a", "Bearer token-b", "Bearer token-c"])
    }

    @Test func deadTargetIsCountedAndTrafficRecoversWhenItReturns() async throws {
        let port = try freePort()
        let soak = try await RunningSoak(config: Self.openScenario(url: "http://127.0.0.1:\(port)", rate: "20/s", path: "/ok"))
        #expect(try await eventually { (try soak.value("soak_http_request_errors_total", ["reason": "connect"]) ?? 0) >= 5 })
        #expect(try soak.value("soak_http_requests_total", ["code": "0"]) ?? 0 >= 5)
        let nginx = try await Nginx(port: port)
        #expect(try await eventually { (try soak.value("soak_http_requests_total", ["code": "200"]) ?? 0) >= 5 })
        #expect(try soak.value("soak_http_connections_open", ["target": "app"]) ?? 0 <= 2)
        _ = nginx
    }

    @Test func maxInFlightDropsInsteadOfQueueing() async throws {
        let server = try await FaultServer()
        let soak = try await RunningSoak(
            config: Self.openScenario(url: server.baseURL, rate: "40/s", path: "/slow?ms=1500", extra: "    max_in_flight: 4"))
        #expect(try await eventually { (try soak.value("soak_http_requests_dropped_total") ?? 0) >= 10 })
        #expect(try soak.value("soak_http_requests_in_flight") ?? 0 <= 4)
    }

    @Test func sigtermLetsRequestsInFlightFinish() async throws {
        let server = try await FaultServer()
        let soak = try await RunningSoak(config: Self.openScenario(url: server.baseURL, rate: "20/s", path: "/slow?ms=800"))
        #expect(try await eventually { (try soak.value("soak_http_requests_in_flight") ?? 0) >= 5 })
        let signalled = Date()
        soak.signal(SIGTERM)
        let status = try await soak.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "log:\n\(soak.log)")
        let stoppedAt = try #require(soak.loggedAt("soak stopped"))
        #expect(stoppedAt.timeIntervalSince(signalled) < 5, "stopped \(stoppedAt.timeIntervalSince(signalled)) s after the signal")
        #expect(!soak.log.contains("abandoned"), "requests in flight should have finished within the grace period:\n\(soak.log)")
    }

    @Test func sqlPoolIsLoadedFromARealPostgreSQL() async throws {
        let postgres = try await PostgresServer()
        try postgres.execute("CREATE TABLE support_cases (case_number text); INSERT INTO support_cases VALUES ('C-101'), ('C-202'), ('C-303');")
        let server = try await FaultServer(logRequests: true)
        let config = """
            targets:
              app: { url: "\(server.baseURL)" }
            scenarios:
              - name: cases
                target: app
                user_count: 2
                users: [{ name: u, weight: 1, wait: 20ms }]
                pools:
                  cases: { sql: "SELECT case_number FROM support_cases", dsn: "\(postgres.dsn)", fallback: { values: [fallback] } }
                requests:
                  - { name: case, path: "/by-case/{{ pool \\"cases\\" }}" }
            """
        let soak = try await RunningSoak(config: config)
        #expect(try await eventually { Set(server.loggedRequests().compactMap { $0["path"] as? String }).count == 3 })
        #expect(Set(server.loggedRequests().compactMap { $0["path"] as? String }) == ["/by-case/C-101", "/by-case/C-202", "/by-case/C-303"])
        #expect(try soak.value("soak_pool_fallbacks_total") == 0)
        #expect(soak.log.contains("pool loaded from the database"))
    }

    @Test func sqlPoolFallsBackWhenTheDatabaseIsUnreachable() async throws {
        let nginx = try await Nginx()
        let deadPort = try freePort()
        let config = """
            targets:
              app: { url: "\(nginx.baseURL)" }
            scenarios:
              - name: cases
                target: app
                user_count: 1
                users: [{ name: u, weight: 1, wait: 50ms }]
                pools:
                  ids: { sql: "SELECT id FROM cases", dsn: "host=127.0.0.1 port=\(deadPort) dbname=x user=soak password=hunter2-pw connect_timeout=2", fallback: { range: 1..3 } }
                requests:
                  - { name: case, path: "/case/{{ pool \\"ids\\" }}" }
            """
        let soak = try await RunningSoak(config: config)
        #expect(try await eventually { (try soak.value("soak_http_requests_total", ["code": "200"]) ?? 0) >= 3 })
        #expect(try soak.value("soak_pool_fallbacks_total", ["scenario": "cases", "pool": "ids"]) == 1)
        #expect(soak.log.contains("pool could not be loaded from the database; using the fallback values"))
        #expect(!soak.log.contains("hunter2-pw"))
        #expect(!(try soak.get("/").text.contains("hunter2-pw")))
    }
}
