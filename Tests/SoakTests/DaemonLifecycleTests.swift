import Foundation
import Testing

@Suite("Daemon: health, status page, shutdown, reload", .timeLimit(.minutes(1)))
struct DaemonLifecycleTests {
    static func config(url: String, password: String = "s3cr3t-pw") -> String {
        """
        targets:
          pulp:
            url: \(url)
            auth:
              basic: { username: admin, password: "\(password)" }
        """
    }

    @Test func healthReadinessAndStatusPage() async throws {
        let soak = try await RunningSoak(config: Self.config(url: "https://pulp.example.com"))
        #expect(try soak.get("/healthz").status == 200)
        #expect(try soak.get("/readyz").status == 200)
        let page = try soak.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("0.1.0"))
        #expect(page.text.contains(">0d 00h 00m"))
        #expect(page.text.contains(#"<a href="metrics">"#))
        #expect(page.text.contains("url: https://pulp.example.com"))
        #expect(page.text.contains("password: &lt;secret&gt;"))
        #expect(!page.text.contains("s3cr3t-pw"))
        #expect(!soak.log.contains("s3cr3t-pw"))
        #expect(try soak.get("/nowhere").status == 404)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func signalShutsDownGracefullyWithinFiveSeconds(_ signal: Int32) async throws {
        let soak = try await RunningSoak(config: "")
        _ = try soak.get("/metrics")
        let signalled = Date()
        soak.signal(signal)
        let status = try await soak.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "exit status \(String(describing: status)); log:\n\(soak.log)")
        // Timed by soak's own log line, so a busy test runner polling late cannot stretch it.
        let stoppedAt = try #require(soak.loggedAt("soak stopped"))
        #expect(stoppedAt.timeIntervalSince(signalled) < 5, "stopped \(stoppedAt.timeIntervalSince(signalled)) s after the signal")
    }

    @Test func sighupPicksUpAGoodConfigAndKeepsTheOldOneOnABadOne() async throws {
        let soak = try await RunningSoak(config: Self.config(url: "https://old.example.com"))
        let firstLoad = try #require(try soak.metric("soak_config_last_reload_success_timestamp_seconds"))

        try soak.writeConfig(Self.config(url: "https://new.example.com"))
        try await Task.sleep(for: .milliseconds(20))
        soak.signal(SIGHUP)
        #expect(try await eventually { try soak.get("/").text.contains("url: https://new.example.com") })
        #expect(try soak.metric("soak_config_last_reload_successful") == 1)
        #expect(try #require(try soak.metric("soak_config_last_reload_success_timestamp_seconds")) > firstLoad)

        try soak.writeConfig("targets:\n  pulp:\n    url: https://broken.example.com\n    timeout: soon\n")
        soak.signal(SIGHUP)
        #expect(try await eventually { try soak.metric("soak_config_last_reload_successful") == 0 })
        let page = try soak.get("/").text
        #expect(page.contains("url: https://new.example.com"))
        #expect(!page.contains("broken.example.com\n    timeout"))
        #expect(page.contains("FAILED"))
        #expect(soak.log.contains("soak.yaml:4:14: targets.pulp.timeout: invalid duration"))
        #expect(try soak.get("/readyz").status == 200)

        try soak.writeConfig(Self.config(url: "https://fixed.example.com"))
        soak.signal(SIGHUP)
        #expect(try await eventually { try soak.metric("soak_config_last_reload_successful") == 1 })
        #expect(try soak.get("/").text.contains("url: https://fixed.example.com"))
    }

    @Test func reloadEndpointIsForbiddenWithoutTheLifecycleFlag() async throws {
        let soak = try await RunningSoak(config: "")
        let answer = try soak.post("/-/reload")
        #expect(answer.status == 403)
        #expect(answer.text.contains("--web.enable-lifecycle"))
    }

    @Test func reloadEndpointReloadsWithTheLifecycleFlag() async throws {
        let soak = try await RunningSoak(config: Self.config(url: "https://old.example.com"), extraArguments: ["--web.enable-lifecycle"])
        try soak.writeConfig(Self.config(url: "https://new.example.com"))
        let good = try soak.post("/-/reload")
        #expect(good.status == 200)
        #expect(try soak.get("/").text.contains("url: https://new.example.com"))

        try soak.writeConfig("web:\n  listen_adress: \":1\"\n")
        let bad = try soak.post("/-/reload")
        #expect(bad.status == 500)
        #expect(bad.text.contains("soak.yaml:2:3: unknown key \"listen_adress\" in web"))
        #expect(try soak.metric("soak_config_last_reload_successful") == 0)
        #expect(try soak.get("/").text.contains("url: https://new.example.com"))
    }

    @Test func anAddressInUseIsNamedWithTheFix() async throws {
        let taken = try SilentListener()
        let soak = try await RunningSoak(config: "", extraArguments: ["--web.listen-address", "127.0.0.1:\(taken.port)"], waitUntilListening: false)
        #expect(try await soak.waitForExit(timeout: .seconds(10)) == 1)
        #expect(
            soak.log.contains(
                "msg=\"cannot listen on 127.0.0.1:\(taken.port): address already in use; stop what uses it, or choose another address with --web.listen-address or web.listen_address\""),
            "log:\n\(soak.log)")
        #expect(!soak.log.contains("errno"))
    }

    @Test func invalidConfigAtStartExitsOneNamingTheLine() async throws {
        let soak = try await RunningSoak(config: "web:\n  listen_address: nowhere\n", waitUntilListening: false)
        let status = try await soak.waitForExit(timeout: .seconds(5))
        #expect(status == 1)
        #expect(soak.log.contains("soak.yaml:2:19: web.listen_address: invalid address"))
    }

    @Test func jsonLogFormatWritesOneObjectPerLine() async throws {
        let soak = try await RunningSoak(config: "", extraArguments: ["--log.format", "json"], waitUntilListening: false)
        #expect(try await eventually { soak.log.contains("\"msg\":\"listening\"") })
        for line in soak.log.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["ts"] is String)
            #expect(["debug", "info", "warn", "error"].contains(object?["level"] as? String ?? ""))
        }
    }
}
