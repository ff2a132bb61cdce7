internal import Foundation

/// The human-readable forms of a timed run's summary: the table printed on stdout, a JUnit file for
/// CI systems (one test case per check), and a self-contained HTML page with inline SVG charts.
extension RunSummary {
    private static let phases = ["resolve", "connect", "tls", "processing", "transfer"]

    /// The summary table: one row per request, then every check with its verdict.
    public var table: String {
        var lines: [String] = []
        let state = completed ? "" : " (stopped early)"
        lines.append("soak run \(configFile): \(GateChecks.format(seconds: durationSeconds))\(state), \(startedAt) to \(endedAt)")
        lines.append("")
        let header = ["REQUEST", "REQUESTS", "RATE", "ERRORS", "P50", "P95", "P99", "MAX", "P95 BY PHASE"]
        var rows: [[String]] = [header]
        for figure in tableRows {
            let phases = Self.phases.compactMap { phase in figure.phaseP95[phase].map { "\(phase) \(GateChecks.format(seconds: $0))" } }
            rows.append(Self.cells(figure) + [phases.joined(separator: ", ")])
        }
        lines += Self.aligned(rows)
        lines += databaseLines
        if !checks.isEmpty {
            lines.append("")
            lines += Self.aligned([["CHECK", "RESULT", "DETAIL"]] + checks.map { [$0.name, $0.passed ? "pass" : "FAIL", $0.detail] })
        }
        lines.append("")
        let failed = checks.filter { !$0.passed }.count
        lines.append(passed ? "PASS: \(checks.count) checks passed" : "FAIL: \(failed) of \(checks.count) checks failed")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Each scenario's requests, followed by the scenario as a whole when it has more than one.
    private var tableRows: [RequestFigures] {
        var rows: [RequestFigures] = []
        for figure in requests {
            rows.append(figure)
            let isLast = requests.last(where: { $0.scenario == figure.scenario }) == figure
            if isLast, requests.filter({ $0.scenario == figure.scenario }).count > 1,
                let total = scenarios.first(where: { $0.scenario == figure.scenario })
            {
                rows.append(total)
            }
        }
        return rows
    }

    /// The database probes' and holds' rows, when the run had any.
    private var databaseLines: [String] {
        var probeRows: [[String]] = [["DATABASE PROBE", "RUNS", "FAILED", "P50", "P95"]]
        var holdRows: [[String]] = [["DATABASE HOLD", "SURVIVED", "DIED", "FAILED TO START", "NOTIFICATIONS SENT/RECEIVED/MISSING"]]
        for database in databases {
            probeRows += database.probes.map { Self.cells($0, name: "\(database.database)/\($0.probe)") }
            holdRows += database.holds.map { Self.cells($0, name: "\(database.database)/\($0.test)") }
        }
        var lines: [String] = []
        if probeRows.count > 1 { lines += [""] + Self.aligned(probeRows) }
        if holdRows.count > 1 { lines += [""] + Self.aligned(holdRows) }
        return lines
    }

    /// A request's row: its key, requests, rate, error ratio, p50, p95, p99 and max.
    private static func cells(_ figure: RequestFigures) -> [String] {
        [
            figure.key, String(figure.requests), GateChecks.format(rate: figure.ratePerSecond), GateChecks.format(ratio: figure.errorRatio),
            GateChecks.format(seconds: figure.latency.p50), GateChecks.format(seconds: figure.latency.p95),
            GateChecks.format(seconds: figure.latency.p99), GateChecks.format(seconds: figure.latency.max),
        ]
    }

    /// A database probe's row: `name`, runs, failures, p50 and p95 (`-` without a latency).
    private static func cells(_ probe: DatabaseFigures.Probe, name: String) -> [String] {
        [
            name, String(probe.runs), String(probe.failures), probe.p50Seconds.map(GateChecks.format(seconds:)) ?? "-",
            probe.p95Seconds.map(GateChecks.format(seconds:)) ?? "-",
        ]
    }

    /// A hold's row: `name`, its results, and notifications sent/received/missing (`-` for tests without).
    private static func cells(_ hold: DatabaseFigures.Hold, name: String) -> [String] {
        [
            name, String(hold.survived), String(hold.died), String(hold.failedToStart),
            hold.notifications.map { "\($0.sent)/\($0.received)/\($0.missing)" } ?? "-",
        ]
    }

    /// One HTML table row of escaped cells.
    private static func htmlRow(_ cells: [String]) -> String {
        "<tr>" + cells.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>\n"
    }

    private static func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }

    /// JUnit XML: a test suite `soak` with one test case per threshold and baseline check.
    public var junit: String {
        let failures = checks.filter { !$0.passed }.count
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="soak" tests="\#(checks.count)" failures="\#(failures)" time="\#(String(format: "%.3f", durationSeconds))">"# + "\n"
        xml += #"  <testsuite name="soak" tests="\#(checks.count)" failures="\#(failures)" errors="0" skipped="0" time="\#(String(format: "%.3f", durationSeconds))" timestamp="\#(HTML.escape(startedAt))">"# + "\n"
        for check in checks {
            let open = #"    <testcase classname="soak.\#(check.kind)" name="\#(HTML.escape(check.name))" time="0">"#
            if check.passed {
                xml += open + "\n      <system-out>\(HTML.escape(check.detail))</system-out>\n    </testcase>\n"
            } else {
                xml += open + "\n" + #"      <failure message="\#(HTML.escape(check.detail))" type="\#(check.kind)">\#(HTML.escape(check.detail))</failure>"# + "\n    </testcase>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }


    /// One self-contained page: the verdict, the table, the checks, and per scenario the request rate
    /// and p95 latency over time as inline SVG (no scripts, fonts or images from elsewhere).
    public var html: String {
        var body = "<h1>soak run: \(passed ? "PASS" : "FAIL")</h1>\n"
        body += "<p class=\"meta\">\(HTML.escape(configFile)) · \(HTML.escape(startedAt)) to \(HTML.escape(endedAt)) · \(GateChecks.format(seconds: durationSeconds))\(completed ? "" : " (stopped early)") · soak \(HTML.escape(soakVersion)) (\(HTML.escape(revision)))</p>\n"
        body += "<table><tr><th>request</th><th>requests</th><th>rate</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>\n"
        for figure in tableRows { body += Self.htmlRow(Self.cells(figure)) }
        body += "</table>\n"
        for database in databases {
            body += "<h2>database \(HTML.escape(database.database))</h2>\n<table><tr><th>probe</th><th>runs</th><th>failed</th><th>p50</th><th>p95</th></tr>\n"
            for probe in database.probes { body += Self.htmlRow(Self.cells(probe, name: probe.probe)) }
            body += "</table>\n"
            if !database.holds.isEmpty {
                body += "<table><tr><th>hold</th><th>survived</th><th>died</th><th>failed to start</th><th>notifications sent/received/missing</th></tr>\n"
                for hold in database.holds { body += Self.htmlRow(Self.cells(hold, name: hold.test)) }
                body += "</table>\n"
            }
        }
        if !checks.isEmpty {
            body += "<h2>Checks</h2>\n<table class=\"checks\"><tr><th>check</th><th>result</th><th>detail</th></tr>\n"
            for check in checks {
                body += "<tr class=\"\(check.passed ? "pass" : "fail")\"><td>\(HTML.escape(check.name))</td><td>\(check.passed ? "pass" : "FAIL")</td><td>\(HTML.escape(check.detail))</td></tr>\n"
            }
            body += "</table>\n"
        }
        var scenarios: [String] = []
        for figure in requests where !scenarios.contains(figure.scenario) { scenarios.append(figure.scenario) }
        for scenario in scenarios {
            let series = requests.filter { $0.scenario == scenario }
            body += "<h2>\(HTML.escape(scenario))</h2>\n<div class=\"charts\">\n"
            body += Self.chart(title: "requests per second", series: series.map { ($0.request, $0.timeline.map { ($0.offsetSeconds, Optional($0.ratePerSecond)) }) }, unit: "/s")
            body += Self.chart(title: "p95 latency", series: series.map { ($0.request, $0.timeline.map { ($0.offsetSeconds, $0.p95Seconds.map { $0 * 1000 }) }) }, unit: "ms")
            body += "</div>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>soak run: \(passed ? "PASS" : "FAIL")</title>
            <style>
            body { font-family: sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            tr.fail td { background: #fdd; } tr.pass td:nth-child(2) { color: #070; }
            table.checks td, table.checks th { text-align: left; }
            .meta { color: #666; } .charts { display: flex; flex-wrap: wrap; gap: 2em; }
            svg text { font: 11px sans-serif; fill: #444; }
            </style></head><body>
            \(body)</body></html>

            """
    }

    private static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// A line chart, 480×240, one polyline per series; gaps where a window has no value.
    private static func chart(title: String, series: [(name: String, points: [(Double, Double?)])], unit: String) -> String {
        let width = 480.0, height = 240.0, left = 56.0, right = 12.0, top = 24.0, bottom = 36.0
        let xs = series.flatMap { $0.points.map(\.0) }
        let ys = series.flatMap { $0.points.compactMap(\.1) }
        let xMax = max(xs.max() ?? 1, 1)
        let yMax = max((ys.max() ?? 1) * 1.1, 0.001)
        func x(_ value: Double) -> Double { left + value / xMax * (width - left - right) }
        func y(_ value: Double) -> Double { height - bottom - value / yMax * (height - top - bottom) }
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" role="img" aria-label="\##(HTML.escape(title))">"##
        svg += ##"<rect x="0" y="0" width="\##(Int(width))" height="\##(Int(height))" fill="#fafafa" stroke="#ddd"/>"##
        svg += ##"<text x="\##(Int(left))" y="16">\##(HTML.escape(title))</text>"##
        for step in 0...4 {
            let value = yMax * Double(step) / 4
            svg += ##"<line x1="\##(left)" x2="\##(width - right)" y1="\##(y(value))" y2="\##(y(value))" stroke="#e4e4e4"/>"##
            svg += ##"<text x="4" y="\##(y(value) + 4)">\##(String(format: value >= 10 ? "%.0f" : "%.2f", value))\##(unit)</text>"##
        }
        svg += ##"<text x="\##(Int(width / 2))" y="\##(Int(height - 8))">seconds into the run (0–\##(Int(xMax)))</text>"##
        for (index, line) in series.enumerated() {
            let color = colors[index % colors.count]
            var segments: [[String]] = [[]]
            for (offset, value) in line.points {
                if let value { segments[segments.count - 1].append(String(format: "%.1f,%.1f", x(offset), y(value))) } else { segments.append([]) }
            }
            for segment in segments where !segment.isEmpty {
                svg += ##"<polyline fill="none" stroke="\##(color)" stroke-width="2" points="\##(segment.joined(separator: " "))"/>"##
            }
            svg += ##"<text x="\##(Int(width - right - 140))" y="\##(16 + 13 * index)" style="fill:\##(color)">\##(HTML.escape(line.name))</text>"##
        }
        return svg + "</svg>\n"
    }
}
