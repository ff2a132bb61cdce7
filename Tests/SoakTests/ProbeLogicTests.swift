import Foundation
@testable import Soak
import SoakConfig
import Testing

@Suite("Task probe logic: Pulp timestamps, task phases, href discovery and resolution")
struct ProbeLogicTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2026-11-23T01:55:21.430546Z", 1_795_398_921.430546),
        ("2024-02-29T12:00:00.5Z", 1_709_208_000.5),
        ("2026-11-23T03:55:21.430546+02:00", 1_795_398_921.430546),
        ("2026-11-22T20:55:21.430546-05:00", 1_795_398_921.430546),
        ("1999-12-31 23:59:59Z", 946_684_799.0),
    ])
    func timestampsAreReadToTheMicrosecond(_ text: String, _ expected: Double) throws {
        let seconds = try #require(PulpTimestamp.parse(text))
        #expect(abs(seconds - expected) < 0.000_000_5, "\(text) read as \(seconds)")
    }

    @Test(arguments: ["", "2026-11-23", "2026-11-23T01:55:21", "2026-13-01T00:00:00Z", "2026-11-23T01:55:21.5Zjunk", "2026-11-23T25:00:00Z", "yesterday"])
    func malformedTimestampsAreRejected(_ text: String) {
        #expect(PulpTimestamp.parse(text) == nil)
    }

    @Test func dayCountsMatchFoundationAcrossCenturiesAndLeapYears() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for (year, month, day) in [(1900, 3, 1), (2000, 2, 29), (2000, 3, 1), (2100, 2, 28), (2038, 1, 19), (1969, 12, 31)] {
            let date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
            #expect(PulpTimestamp.daysSinceEpoch(year: year, month: month, day: day) * 86400 == Int(date.timeIntervalSince1970), "\(year)-\(month)-\(day)")
        }
    }

    private func task(_ fields: [String: Any]) throws -> PulpTask? {
        PulpTask(json: Array(try JSONSerialization.data(withJSONObject: fields)))
    }

    @Test func phasesComeFromTheTimestampsThatArePresent() throws {
        let completed = try #require(try task([
            "state": "completed", "pulp_created": "2026-11-23T10:00:00.000000Z", "unblocked_at": "2026-11-23T10:00:00.250000Z",
            "started_at": "2026-11-23T10:00:01.000000Z", "finished_at": "2026-11-23T10:00:04.500000Z", "error": NSNull(), "result": ["n": 1],
        ]))
        #expect(completed.isFinal)
        #expect(completed.phases.map(\.phase) == [.blocked, .queue, .run, .total])
        #expect(completed.phases.map(\.seconds) == [0.25, 0.75, 3.5, 4.5])
        #expect(completed.result == .object(["n": .number(1)]))

        // An older Pulp has no unblocked_at: queue runs from pulp_created, and there is no blocked phase.
        let older = try #require(try task([
            "state": "failed", "pulp_created": "2026-11-23T10:00:00Z", "started_at": "2026-11-23T10:00:02Z", "finished_at": "2026-11-23T10:00:03Z",
            "error": ["description": "boom", "traceback": "..."],
        ]))
        #expect(older.phases.map(\.phase) == [.queue, .run, .total])
        #expect(older.errorDescription == "boom")

        // A canceled task never started: only its total.
        let canceled = try #require(try task(["state": "canceled", "pulp_created": "2026-11-23T10:00:00Z", "finished_at": "2026-11-23T10:00:09Z"]))
        #expect(canceled.phases.map(\.phase) == [.total])
        #expect(try #require(try task(["state": "running"])).isFinal == false)
        #expect(try task(["status": "completed"]) == nil)
        #expect(PulpTask(json: Array("<html>".utf8)) == nil)
    }

    @Test func hrefsAreTakenFromTheFirstPathThatHasAny() throws {
        let paths = try ["task", "tasks[].task_href"].map { try JSONPath(parsing: $0) }
        #expect(TaskProbe.hrefs(in: ["task": "/pulp/api/v3/tasks/1/"], paths: paths) == ["/pulp/api/v3/tasks/1/"])
        let rds: JSONValue = ["message": "ok", "tasks": [["test_name": "idle", "task_href": "/a/"], ["test_name": "listen", "task_href": "/b/"]]]
        #expect(TaskProbe.hrefs(in: rds, paths: paths) == ["/a/", "/b/"])
        #expect(TaskProbe.hrefs(in: ["task": .null], paths: paths) == [])
        #expect(TaskProbe.hrefs(in: ["tasks": "nope"], paths: paths) == [])
    }

    @Test(arguments: [
        ("/pulp/api/v3/tasks/1/", "https://pulp.example.com", "https://pulp.example.com/pulp/api/v3/tasks/1/"),
        ("/pulp/api/v3/tasks/1/", "https://pulp.example.com:8443/prefix", "https://pulp.example.com:8443/pulp/api/v3/tasks/1/"),
        ("https://other.example.com/t/1/", "https://pulp.example.com", "https://other.example.com/t/1/"),
        ("tasks/1/", "http://127.0.0.1:8080/api", "http://127.0.0.1:8080/api/tasks/1/"),
    ])
    func hrefsResolveAgainstTheTarget(_ href: String, _ base: String, _ expected: String) {
        #expect(TaskProbe.resolve(href, against: base) == expected)
    }
}
