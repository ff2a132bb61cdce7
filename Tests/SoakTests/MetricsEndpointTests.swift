import Foundation
import Testing

@Suite("/metrics: exposition format, promtool, gzip", .timeLimit(.minutes(1)))
struct MetricsEndpointTests {
    static let families = [
        "soak_build_info", "soak_config_last_reload_successful", "soak_config_last_reload_success_timestamp_seconds",
        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
        "process_open_fds", "process_max_fds", "process_start_time_seconds",
    ]

    @Test func servesEveryFamilyWithHelpInTheTextFormat() async throws {
        let soak = try await RunningSoak(config: "")
        let answer = try soak.get("/metrics")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(answer.headers["content-encoding"] == nil)
        let lines = answer.text.split(separator: "\n")
        for family in Self.families {
            #expect(lines.contains { $0.hasPrefix("# HELP \(family) ") }, "no HELP for \(family)")
            #expect(lines.contains { $0.hasPrefix(family + " ") || $0.hasPrefix(family + "{") }, "no sample for \(family)")
        }
        let build = try #require(lines.first { $0.hasPrefix("soak_build_info{") })
        #expect(build.contains(#"version="0.1.0""#))
        #expect(build.contains(#"swift_version="6."#))
        #expect(build.hasSuffix(" 1.0"))
        #expect(try soak.metric("soak_config_last_reload_successful") == 1)
        #expect(try #require(try soak.metric("process_resident_memory_bytes")) > 1_000_000)
        #expect(try #require(try soak.metric("process_open_fds")) > 3)
        let start = try #require(try soak.metric("process_start_time_seconds"))
        #expect(abs(start - Date().timeIntervalSince1970) < 120)
    }

    /// With scenarios, so the per-request registries are merged into the exposition promtool reads.
    @Test func promtoolAcceptsTheExposition() async throws {
        let promtool = try Executables.required("promtool", package: "prometheus")
        let soak = try await RunningSoak(config: """
            targets:
              dead: { url: "http://127.0.0.1:\(try freePort())" }
            scenarios:
              - { name: a, target: dead, rate: 2/s, requests: [{ name: one, path: /1 }, { name: two, path: /2 }] }
              - { name: b, target: dead, user_count: 1, users: [{ name: u, weight: 1, wait: 1s }], requests: [{ name: one, path: /1 }] }
            """)
        #expect(try await eventually { try soak.value("soak_http_requests_total", ["scenario": "b"]) ?? 0 > 0 })
        let body = try soak.get("/metrics").body
        let check = try Command.run(promtool, ["check", "metrics"], stdin: body)
        #expect(check.status == 0, "promtool check metrics: \(check.stdout)\(check.stderr)")
        #expect(check.stdout.isEmpty && check.stderr.isEmpty, "promtool found problems: \(check.stdout)\(check.stderr)")
    }

    @Test func gzipAnswerDecompressesToThePlainOne() async throws {
        let gzip = try Executables.required("gzip", package: "gzip")
        let soak = try await RunningSoak(config: "")
        let compressed = try soak.get("/metrics", headers: ["Accept-Encoding: gzip, deflate"])
        #expect(compressed.headers["content-encoding"] == "gzip")
        #expect(compressed.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(compressed.headers["vary"] == "Accept-Encoding")
        let plain = try soak.get("/metrics")
        let decompressed = try Command.run(gzip, ["-dc"], stdin: compressed.body)
        #expect(decompressed.status == 0, "gzip -dc: \(decompressed.stderr)")
        // process_* samples move between two scrapes; every other line must be identical.
        func stable(_ text: String) -> [Substring] {
            text.split(separator: "\n").filter { !$0.hasPrefix("process_") }.sorted()
        }
        #expect(stable(decompressed.stdout) == stable(plain.text))
        #expect(decompressed.stdout.split(separator: "\n").count == plain.text.split(separator: "\n").count)
    }

    @Test(arguments: ["identity", "gzip;q=0", "br", "gzip;q=0, *;q=1"])
    func noGzipUnlessTheScraperAcceptsIt(_ acceptEncoding: String) async throws {
        let soak = try await RunningSoak(config: "")
        let answer = try soak.get("/metrics", headers: ["Accept-Encoding: \(acceptEncoding)"])
        #expect(answer.headers["content-encoding"] == nil)
        #expect(answer.text.contains("# TYPE soak_build_info gauge"))
    }
}

/// Many requests register in linear time: every request's series live in a registry of their own,
/// and `/metrics` merges the registries so each family appears once.
@Suite("Metrics of many requests", .timeLimit(.minutes(2)))
struct ManyRequestsTests {
    @Test func fiveThousandRequestsAreReadyInSecondsAndExposedAsOneFamilyEach() async throws {
        var config = "targets:\n  t: { url: \"http://127.0.0.1:9\" }\nscenarios:\n  - name: many\n    target: t\n    rate: 1/h\n    requests:\n"
        for index in 0..<5_000 { config += "      - { name: r\(index), path: /r\(index) }\n" }
        let started = ContinuousClock.now
        let soak = try await RunningSoak(config: config)
        // It took 189 s in a debug build (75 s release) while one registry held every request's series.
        #expect(try await eventually(timeout: .seconds(60)) { try soak.get("/readyz").status == 200 })
        let took = ContinuousClock.now - started
        #expect(took < .seconds(60), "ready after \(took)")
        let lines = try HTTP.request(soak.baseURL + "/metrics", timeout: 60).text.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("# TYPE soak_http_request_errors_total ") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("soak_http_request_errors_total{") }.count == 5_000 * 10)
    }
}
