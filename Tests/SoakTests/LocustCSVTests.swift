import Foundation
@testable import Soak
import Testing

/// Locust's CSV columns, in Locust's order, as its documentation ("Retrieve test statistics in CSV
/// format") and its stats module name them, typed here independently of soak's own lists.
enum LocustColumns {
    static let percentiles = ["50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"]
    static let stats = [
        "Type", "Name", "Request Count", "Failure Count", "Median Response Time", "Average Response Time", "Min Response Time",
        "Max Response Time", "Average Content Size", "Requests/s", "Failures/s",
    ] + percentiles
    static let history = ["Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s"] + percentiles + [
        "Total Request Count", "Total Failure Count", "Total Median Response Time", "Total Average Response Time", "Total Min Response Time",
        "Total Max Response Time", "Total Average Content Size",
    ]
    static let failures = ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"]
}

/// A CSV file as Python's csv module reads it: the header, the rows as dictionaries, and whether every
/// line ends in CRLF as Python's writer ends them.
struct ParsedCSV {
    let header: [String]
    let rows: [[String: String]]
    let crlf: Bool

    static func read(_ path: String) throws -> ParsedCSV {
        let python = try Executables.required("python3", package: "python3")
        let script = """
            import csv, json, sys
            raw = open(sys.argv[1], "rb").read()
            with open(sys.argv[1], newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                rows = [dict(zip(header, row)) for row in reader if row]
                widths = {len(row) for row in csv.reader(open(sys.argv[1], newline=""))}
            lines = raw.split(b"\\n")[:-1]
            print(json.dumps({"header": header, "rows": rows, "crlf": all(line.endswith(b"\\r") for line in lines), "widths": sorted(widths)}))
            """
        let output = try Command.run(python, ["-c", script, path])
        guard output.status == 0, let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] else {
            throw HTTP.Failure(description: "python's csv module could not read \(path): \(output.stderr)")
        }
        let header = object["header"] as? [String] ?? []
        // Every row has as many fields as the header.
        #expect(object["widths"] as? [Int] == [header.count], "\(path): \(object["widths"] ?? "")")
        return ParsedCSV(header: header, rows: object["rows"] as? [[String: String]] ?? [], crlf: object["crlf"] as? Bool ?? false)
    }
}

@Suite("Locust's CSV files from a timed run (--csv), read with Python's csv module", .timeLimit(.minutes(2)))
struct LocustCSVTests {
    @Test func theThreeFilesHaveLocustsColumnsAndTheRunsNumbers() async throws {
        #expect(LocustCSV.statsColumns == LocustColumns.stats)
        #expect(LocustCSV.historyColumns == LocustColumns.history)
        #expect(LocustCSV.failuresColumns == LocustColumns.failures)

        let server = try await FaultServer()
        let directory = try temporaryDirectory()
        let config = """
            targets:
              api: { url: "\(server.baseURL)" }
            scenarios:
              - name: users
                target: api
                user_count: 3
                users: [{ name: u, weight: 1, wait: 50ms }]
                thresholds: ["p95 < 5s"]
                requests:
                  - { name: ok, path: / }
                  - { name: broken, path: /status/503 }
            """
        let run = try await TimedRun.run(
            config: config, ["--duration", "3s", "--csv", "\(directory)/run", "--summary-file", "\(directory)/summary.json"], in: directory)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/summary.json")))
        let ok = try #require(summary.requests.first { $0.request == "ok" })
        let broken = try #require(summary.requests.first { $0.request == "broken" })

        let stats = try ParsedCSV.read("\(directory)/run_stats.csv")
        #expect(stats.header == LocustColumns.stats && stats.crlf)
        #expect(stats.rows.map { $0["Name"] ?? "" } == ["users/broken", "users/ok", "Aggregated"])
        #expect(stats.rows.map { $0["Type"] ?? "" } == ["GET", "GET", ""])
        #expect(stats.rows.map { Int($0["Request Count"] ?? "") } == [broken.requests, ok.requests, broken.requests + ok.requests])
        #expect(stats.rows.map { Int($0["Failure Count"] ?? "") } == [broken.requests, 0, broken.requests])
        for row in stats.rows {
            // Milliseconds: whole for the median and the percentiles, as Locust writes them; the rest are numbers.
            for column in ["Median Response Time"] + LocustColumns.percentiles { #expect(Int(row[column] ?? "") != nil, "\(column): \(row)") }
            for column in ["Average Response Time", "Min Response Time", "Max Response Time", "Average Content Size", "Requests/s", "Failures/s"] {
                #expect(Double(row[column] ?? "") != nil, "\(column): \(row)")
            }
            #expect(Int(row["50%"] ?? "") ?? -1 <= Int(row["100%"] ?? "") ?? -1)
        }
        let aggregated = try #require(stats.rows.last)
        #expect(abs((Double(aggregated["Requests/s"] ?? "") ?? 0) - (ok.ratePerSecond + broken.ratePerSecond)) < 0.01)
        #expect(abs((Double(aggregated["Max Response Time"] ?? "") ?? 0) - max(ok.latency.max, broken.latency.max) * 1000) < 0.01)

        let failures = try ParsedCSV.read("\(directory)/run_failures.csv")
        #expect(failures.header == LocustColumns.failures && failures.crlf)
        #expect(failures.rows.count == 1)
        let failure = try #require(failures.rows.first)
        #expect(failure["Method"] == "GET" && failure["Name"] == "users/broken" && failure["Error"] == "status: HTTP 503, expected 2xx")
        #expect(Int(failure["Occurrences"] ?? "") == broken.errors)
        let stamp = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/#
        #expect((failure["First Seen"] ?? "").wholeMatch(of: stamp) != nil && (failure["Last Seen"] ?? "").wholeMatch(of: stamp) != nil, "\(failure)")

        // Locust's default history: the Aggregated row at each window, with the totals so far.
        let history = try ParsedCSV.read("\(directory)/run_stats_history.csv")
        #expect(history.header == LocustColumns.history && history.crlf)
        #expect(history.rows.count >= 3 && history.rows.allSatisfy { $0["Name"] == "Aggregated" && $0["Type"] == "" })
        #expect(history.rows.allSatisfy { $0["User Count"] == "3" })
        let totals = history.rows.compactMap { Int($0["Total Request Count"] ?? "") }
        #expect(totals == totals.sorted() && totals.last == ok.requests + broken.requests)
        let stamps = history.rows.compactMap { Int($0["Timestamp"] ?? "") }
        #expect(stamps.count == history.rows.count && stamps == stamps.sorted())
        #expect(history.rows.allSatisfy { ($0["Requests/s"] ?? "").wholeMatch(of: #/\d+\.\d{6}/#) != nil })

        // With --csv-full-history, every request's row precedes each Aggregated row.
        let full = try await TimedRun.run(config: config, ["--duration", "2s", "--csv", "\(directory)/full", "--csv-full-history"], in: directory)
        #expect(full.status == 0, "\(full.stdout)\(full.stderr)")
        let fullHistory = try ParsedCSV.read("\(directory)/full_stats_history.csv")
        #expect(fullHistory.header == LocustColumns.history)
        #expect(Array(fullHistory.rows.prefix(3).map { $0["Name"] ?? "" }) == ["users/broken", "users/ok", "Aggregated"])
    }
}
