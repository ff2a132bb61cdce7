internal import Foundation
internal import Histogram
internal import SoakConfig

/// A timed run as Locust's `--csv PREFIX` writes it, so pipelines built on Locust's files keep working:
/// `PREFIX_stats.csv`, `PREFIX_stats_history.csv` and `PREFIX_failures.csv`, with Locust's columns in
/// Locust's order, times in milliseconds, a row per request (`Name` is `scenario/request`, `Type` its
/// method) and an `Aggregated` row. docs/ci.md says where soak's numbers differ in meaning.
public struct LocustCSV: Sendable {
    /// Locust's reported percentiles, as its column names spell them.
    static let percentiles: [(quantile: Double, column: String)] = [
        (0.5, "50%"), (0.66, "66%"), (0.75, "75%"), (0.8, "80%"), (0.9, "90%"), (0.95, "95%"), (0.98, "98%"), (0.99, "99%"),
        (0.999, "99.9%"), (0.9999, "99.99%"), (1.0, "100%"),
    ]
    public static let statsColumns = [
        "Type", "Name", "Request Count", "Failure Count", "Median Response Time", "Average Response Time", "Min Response Time",
        "Max Response Time", "Average Content Size", "Requests/s", "Failures/s",
    ] + percentiles.map(\.column)
    public static let historyColumns = ["Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s"] + percentiles.map(\.column) + [
        "Total Request Count", "Total Failure Count", "Total Median Response Time", "Total Average Response Time", "Total Min Response Time",
        "Total Max Response Time", "Total Average Content Size",
    ]
    public static let failuresColumns = ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"]

    /// `PREFIX_stats.csv`: the whole run, a row per request and `Aggregated`.
    public let stats: String
    /// `PREFIX_stats_history.csv`: a row per timeline window (1 s, or a hundredth of longer runs) with
    /// that window's rates and the totals so far; Locust's default, `Aggregated` only.
    public let history: String
    /// The history with a row per request before each `Aggregated` row (Locust's `--csv-full-history`).
    public let fullHistory: String
    /// `PREFIX_failures.csv`: a row per request and error (`reason: message`).
    public let failures: String

    init(requests: [RunRecordings.Request], window: Duration, failures: [FailureFigures], config: SoakConfiguration, startedAt: Date, duration: Duration) {
        let entries = requests.map { (method: $0.method, name: "\($0.scenario)/\($0.request)", tally: $0.tally) }
            .sorted { ($0.name, $0.method) < ($1.name, $1.method) }
        var total = RecordingTally()
        for entry in entries { total.add(entry.tally) }
        let seconds = max(duration / .seconds(1), 0.001)
        let windowSeconds = window / .seconds(1)

        var stats = [Self.statsColumns]
        for (method, name, tally) in entries + [("", "Aggregated", total)] {
            let totals = Self.totals(tally.latency, count: tally.count, errors: tally.errors, latencySum: tally.latencySum, bytes: tally.responseBytes)
            let rates = [Self.number(Double(tally.count) / seconds), Self.number(Double(tally.errors) / seconds)]
            stats.append([method, name] + totals + rates + Self.percentileFields(tally.latency, count: tally.count))
        }
        self.stats = Self.csv(stats)

        // The history: each window's end, with the window's rates and percentiles and the totals so far.
        let windows = entries.map(\.tally.windows.count).max() ?? 0
        var short = [Self.historyColumns]
        var full = [Self.historyColumns]
        var cumulative = Array(repeating: Cumulative(), count: entries.count + 1)
        for index in 0..<windows {
            let offset = min(Double(index + 1) * windowSeconds, seconds)
            let timestamp = String(Int((startedAt.timeIntervalSince1970 + offset).rounded(.down)))
            let users = String(Self.users(config, at: offset))
            var aggregate = RecordingTally.Window()
            for (position, entry) in entries.enumerated() {
                let window = index < entry.tally.windows.count ? entry.tally.windows[index] : RecordingTally.Window()
                cumulative[position].add(window)
                aggregate.count += window.count
                aggregate.errors += window.errors
                aggregate.latencySum &+= window.latencySum
                aggregate.responseBytes &+= window.responseBytes
                aggregate.latency.add(window.latency)
                full.append([timestamp, users, entry.method, entry.name] + cumulative[position].row(current: window, windowSeconds: windowSeconds, currentPercentiles: true))
            }
            cumulative[entries.count].add(aggregate)
            short.append([timestamp, users, "", "Aggregated"] + cumulative[entries.count].row(current: aggregate, windowSeconds: windowSeconds, currentPercentiles: false))
            full.append([timestamp, users, "", "Aggregated"] + cumulative[entries.count].row(current: aggregate, windowSeconds: windowSeconds, currentPercentiles: true))
        }
        history = Self.csv(short)
        fullHistory = Self.csv(full)

        var failureRows: [[String]] = []
        var seen: [String: Int] = [:]
        for failure in failures {
            let error = "\(failure.reason): \(failure.message ?? "other messages (past \(FailureTally.distinctLimit) distinct)")"
            let key = "\(failure.method)\u{0}\(failure.key)\u{0}\(error)"
            if let row = seen[key] {
                failureRows[row][3] = String((Int(failureRows[row][3]) ?? 0) + failure.count)
                failureRows[row][4] = min(failureRows[row][4], Self.locustTime(failure.firstSeen))
                failureRows[row][5] = max(failureRows[row][5], Self.locustTime(failure.lastSeen))
            } else {
                seen[key] = failureRows.count
                failureRows.append([
                    failure.method, failure.key, error, String(failure.count), Self.locustTime(failure.firstSeen), Self.locustTime(failure.lastSeen),
                ])
            }
        }
        self.failures = Self.csv([Self.failuresColumns] + failureRows)
    }

    /// Writes `PREFIX_stats.csv`, `PREFIX_stats_history.csv` (with every request's rows when
    /// `fullHistory`) and `PREFIX_failures.csv`.
    public func write(prefix: String, fullHistory: Bool) throws {
        for (suffix, text) in [("_stats.csv", stats), ("_stats_history.csv", fullHistory ? self.fullHistory : history), ("_failures.csv", failures)] {
            try text.write(toFile: prefix + suffix, atomically: true, encoding: .utf8)
        }
    }

    /// The paths `write(prefix:fullHistory:)` writes.
    public static func paths(prefix: String) -> [String] {
        ["_stats.csv", "_stats_history.csv", "_failures.csv"].map { prefix + $0 }
    }

    /// The running totals of one history row's entry.
    private struct Cumulative {
        var count = 0
        var errors = 0
        var latencySum: UInt64 = 0
        var bytes = 0
        var latency = RecordingTally.Window().latency

        mutating func add(_ window: RecordingTally.Window) {
            count += window.count
            errors += window.errors
            latencySum &+= window.latencySum
            bytes &+= window.responseBytes
            latency.add(window.latency)
        }

        /// Requests/s, Failures/s, the percentiles, then the totals.
        func row(current window: RecordingTally.Window, windowSeconds: Double, currentPercentiles: Bool) -> [String] {
            let percentiles =
                currentPercentiles ? LocustCSV.percentileFields(window.latency, count: window.count) : LocustCSV.percentileFields(latency, count: count)
            return [
                String(format: "%2f", Double(window.count) / windowSeconds), String(format: "%2f", Double(window.errors) / windowSeconds),
            ] + percentiles + LocustCSV.totals(latency, count: count, errors: errors, latencySum: latencySum, bytes: bytes)
        }
    }

    /// Request count, failure count, median, average, min and max (milliseconds), average content size.
    private static func totals(_ latency: Histogram<some FixedWidthInteger & Codable & Sendable>, count: Int, errors: Int, latencySum: UInt64, bytes: Int) -> [String] {
        let empty = latency.totalCount == 0
        return [
            String(count), String(errors), empty ? "0" : String(Int((Double(latency.valueAtPercentile(50)) / 1000).rounded())),
            number(count == 0 ? 0 : Double(latencySum) / Double(count) / 1000), empty ? "0" : number(Double(latency.min) / 1000),
            empty ? "0" : number(Double(latency.max) / 1000), number(count == 0 ? 0 : Double(bytes) / Double(count)),
        ]
    }

    /// Locust's percentile columns: whole milliseconds, or `N/A` without requests.
    private static func percentileFields(_ latency: Histogram<some FixedWidthInteger & Codable & Sendable>, count: Int) -> [String] {
        guard count > 0, latency.totalCount > 0 else { return percentiles.map { _ in "N/A" } }
        return percentiles.map { String(Int((Double(latency.valueAtPercentile($0.quantile * 100)) / 1000).rounded())) }
    }

    /// Virtual users running `seconds` into the run: closed-model users that have started by then.
    static func users(_ config: SoakConfiguration, at seconds: Double) -> Int {
        config.scenarios.reduce(0) { sum, scenario in
            guard case .closed(let model) = scenario.workload else { return sum }
            let ramp = DurationSyntax.seconds(model.rampUp)
            guard ramp > 0, model.userCount > 1 else { return sum + model.userCount }
            return sum + min(model.userCount, Int((seconds / ramp * Double(model.userCount)).rounded(.down)) + 1)
        }
    }

    /// A number as Python prints a float: `12.5`, `612.0`.
    private static func number(_ value: Double) -> String { "\(value)" }

    /// RFC 3339 with fractional seconds as Locust's `%Y-%m-%dT%H:%M:%SZ`.
    private static func locustTime(_ timestamp: String) -> String {
        guard let dot = timestamp.firstIndex(of: ".") else { return timestamp }
        return String(timestamp[..<dot]) + "Z"
    }

    /// RFC 4180 text as Python's csv module writes it: fields quoted only when they must be, CRLF line ends.
    static func csv(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { field in
                field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
