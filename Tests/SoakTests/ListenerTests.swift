import Foundation
import Logging
import Prometheus
@testable import Soak
import Testing

/// The web listener under many connections that say nothing: soak raises its open-file limit, keeps
/// answering scrapes, and closes connections idle or stalled halfway through their headers.
@Suite("Web listener: open-file limit, idle and half-sent connections, HEAD", .timeLimit(.minutes(1)))
struct ListenerTests {
    @Test func manySilentConnectionsNeitherStopScrapesNorStayOpen() async throws {
        let hard = try #require(Self.hardFileLimit())
        try #require(hard > 1_024, "the hard open-file limit here is \(hard); the test needs room above a soft limit of 256")
        let soak = try await RunningSoak(config: "web: { idle_timeout: 2s }", softFileLimit: 256)
        #expect(soak.log.contains("msg=\"open file limit\" soft=\(hard) soft_before=256"), "log:\n\(soak.log)")
        #expect(try soak.metric("process_max_fds") == Double(hard))

        // More connections than the soft limit soak started with: idle ones, and ones that stop halfway through their headers.
        var connections: [RawConnection] = []
        for index in 0..<400 {
            let connection = try RawConnection(port: soak.port)
            if index % 4 == 0 { connection.send("GET /metrics HTTP/1.1\r\nHost: soak\r\nUser-Agent: slow") }
            connections.append(connection)
        }
        let scrape = try soak.get("/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.text.contains("soak_build_info"))
        #expect(connections.allSatisfy { !$0.isClosedByPeer }, "connections closed before their idle timeout")

        let held = connections
        let allClosed = try await eventually(timeout: .seconds(20)) { held.allSatisfy(\.isClosedByPeer) }
        #expect(allClosed, "\(held.filter { !$0.isClosedByPeer }.count) of 400 connections still open 20 s after a 2 s idle timeout")
        #expect(try soak.get("/metrics").status == 200)
    }

    /// HEAD gets GET's status and headers and no body: a HEAD and a GET sent back to back on one
    /// connection come back as a bare head, then at once the GET's answer.
    @Test(arguments: ["/metrics", "/healthz", "/readyz", "/"])
    func headIsAnsweredWhereGetIs(_ path: String) async throws {
        let soak = try await RunningSoak(config: "")
        let get = try soak.get(path)
        let connection = try RawConnection(port: soak.port)
        connection.send("HEAD \(path) HTTP/1.1\r\nHost: soak\r\n\r\nGET /healthz HTTP/1.1\r\nHost: soak\r\n\r\n")
        let answers = connection.receive { $0.hasSuffix("\r\n\r\nOK\n") }
        let head = try #require(answers.components(separatedBy: "\r\n\r\n").first)
        #expect(head.hasPrefix("HTTP/1.1 200 OK"), "\(answers)")
        #expect(head.lowercased().contains("content-type: \(get.headers["content-type"] ?? "?")"), "\(head)")
        #expect(head.lowercased().contains("content-length: \(get.body.count)") || path == "/metrics" || path == "/", "\(head)")
        // Right after the head comes the next answer, not a body.
        #expect(String(decoding: answers.utf8.dropFirst(head.utf8.count + 4), as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"), "\(answers)")
    }

    static func hardFileLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return limit.rlim_max == rlim_t.max ? Int.max : Int(limit.rlim_max)
    }
}

/// A results line that cannot be written waits in memory, in order, and is written once the file can be.
@Suite("results_file: lines that cannot be written wait and are retried")
struct ResultsFileBacklogTests {
    struct Line: Encodable, Sendable {
        let n: Int
    }

    @Test func linesWaitUntilTheFileCanBeWrittenThenArriveInOrder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-results-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/results.jsonl"
        let registry = PrometheusCollectorRegistry()
        // Retries back off from 10 ms here (1 s in soak), so the test waits on the directory, not on the clock.
        let results = ResultsFile(path: path, registry: registry, logger: Logger(label: "test"), firstRetry: .milliseconds(10))
        let service = Task { await results.run() }
        defer { service.cancel() }
        await results.append(Line(n: 1))
        await results.append(Line(n: 2))
        let exposition: @Sendable () -> String = { registry.emitToString() }
        #expect(MetricsText.value(exposition(), "soak_results_file_backlog_lines", [:]) == 2)
        #expect(MetricsText.value(exposition(), "soak_results_file_write_errors_total", [:]) ?? 0 >= 2)
        #expect(!FileManager.default.fileExists(atPath: path))

        // The directory appears: a retry writes both lines, in order.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(try await eventually(timeout: .seconds(45)) { MetricsText.value(exposition(), "soak_results_file_backlog_lines", [:]) == 0 })
        await results.append(Line(n: 3))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines == [#"{"n":1}"#, #"{"n":2}"#, #"{"n":3}"#])
        #expect(MetricsText.value(exposition(), "soak_results_file_dropped_lines_total", [:]) == 0)
    }
}
