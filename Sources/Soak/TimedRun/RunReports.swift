internal import Foundation

/// The human-readable forms of a timed run's summary: the table printed on stdout and a JUnit file for
/// CI systems (one test case per check); the HTML page is in HTMLReport.swift. The tables are made
/// once, as sections, for both the terminal and the page.
extension RunSummary {
    /// One table of the report: a header and rows of cells.
    struct Section {
        let header: [String]
        let rows: [[String]]
    }

    /// Rows of the failures table printed on the terminal; the summary file and the HTML page have all.
    static let terminalFailureRows = 20

    /// The summary table: one row per request, the probes, the failures, then every check with its verdict.
    public var table: String {
        var lines: [String] = []
        let state = completed ? "" : " (stopped early)"
        lines.append("soak run \(configFile): \(Figure.seconds(durationSeconds))\(state), \(startedAt) to \(endedAt)")
        var requests = requestSection
        requests = Section(
            header: requests.header + ["p95 by phase"],
            rows: zip(requests.rows, tableRows).map { cells, figure in
                cells + [RequestPhase.allCases.compactMap { phase in figure.phaseP95[phase.rawValue].map { "\(phase.rawValue) \(Figure.seconds($0))" } }.joined(separator: ", ")]
            })
        for section in [requests, databaseProbeSection, holdSection, ingestionSection, taskSection] where !section.rows.isEmpty {
            lines += [""] + Self.aligned(section)
        }
        let failures = failureSection
        if !failures.rows.isEmpty {
            let shown = Section(header: failures.header, rows: Array(failures.rows.prefix(Self.terminalFailureRows)))
            lines += [""] + Self.aligned(shown)
            if failures.rows.count > shown.rows.count {
                lines.append("… \(failures.rows.count - shown.rows.count) more failure rows in the summary file and the HTML report")
            }
        }
        lines += baselineLines
        if !checks.isEmpty {
            lines += [""] + Self.aligned(Section(header: ["check", "result", "detail"], rows: checks.map { [$0.name, $0.verdict.label, $0.detail] }))
        }
        lines += ["", verdictLine]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `PASS: 4 checks passed`, or `FAIL: 2 of 4 checks failed (1 with no data)`.
    var verdictLine: String {
        let failed = checks.filter { !$0.passed }.count
        let noData = checks.filter { $0.verdict == .noData }.count
        if passed { return "PASS: \(checks.count) checks passed" }
        return "FAIL: \(failed) of \(checks.count) checks failed" + (noData > 0 ? " (\(noData) with no data)" : "")
    }

    /// What the run was compared with, and what it could not compare.
    var baselineLines: [String] {
        guard let baseline else { return [] }
        let tolerances = baseline.tolerances.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = ["", "baseline \(baseline.file) (\(tolerances))"]
        if !baseline.sameConfig {
            lines.append("  warning: the baseline ran another config (\(baseline.configHash), this run \(configHash)); only what both have is compared")
        }
        lines += baseline.notCompared.map { "  not compared: \($0)" }
        return lines
    }

    /// Each scenario's requests, followed by the scenario as a whole when it has more than one.
    var tableRows: [RequestFigures] {
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

    var requestSection: Section {
        Section(
            header: ["request", "requests", "rate", "errors", "p50", "p95", "p99", "max"],
            rows: tableRows.map { figure in
                [
                    figure.key, String(figure.requests), Figure.rate(figure.ratePerSecond), Figure.ratio(figure.errorRatio),
                    Figure.seconds(figure.latency.p50), Figure.seconds(figure.latency.p95),
                    Figure.seconds(figure.latency.p99), Figure.seconds(figure.latency.max),
                ]
            })
    }

    var databaseProbeSection: Section {
        Section(
            header: ["database probe", "runs", "failed", "p50", "p95"],
            rows: databases.flatMap { database in
                database.probes.map { probe in
                    [
                        "\(database.database)/\(probe.probe)", String(probe.runs), String(probe.failures),
                        probe.p50Seconds.map(Figure.seconds) ?? "-", probe.p95Seconds.map(Figure.seconds) ?? "-",
                    ]
                }
            })
    }

    var holdSection: Section {
        Section(
            header: ["database hold", "survived", "died", "failed to start", "notifications sent/received/missing"],
            rows: databases.flatMap { database in
                database.holds.map { hold in
                    [
                        "\(database.database)/\(hold.test)", String(hold.survived), String(hold.died), String(hold.failedToStart),
                        hold.notifications.map { "\($0.sent)/\($0.received)/\($0.missing)" } ?? "-",
                    ]
                }
            })
    }

    var ingestionSection: Section {
        Section(
            header: ["ingestion probe", "rounds", "tasks", "failed calls", "mean rate", "lowest rate"],
            rows: ingestion.map { probe in
                [
                    "ingestion/\(probe.probe)", String(probe.rounds), String(probe.tasks), String(probe.failedCalls),
                    probe.meanTasksPerSecond.map { "\(Figure.count($0))/s" } ?? "-",
                    probe.minTasksPerSecond.map { "\(Figure.count($0))/s" } ?? "-",
                ]
            })
    }

    var taskSection: Section {
        Section(
            header: ["task probe", "dispatched", "finished", "timed out", "p95 total", "result values"],
            rows: tasks.map { probe in
                [
                    "tasks/\(probe.probe)", String(probe.dispatched),
                    probe.finished.isEmpty ? "0" : probe.finished.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                    String(probe.followTimeouts), probe.phaseP95Seconds["total"].map(Figure.seconds) ?? "-",
                    probe.values.sorted { $0.key < $1.key }.map { name, counts in
                        "\(name): " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    }.joined(separator: "; "),
                ]
            })
    }

    /// The failures table: a row per request, reason, code and message, the most frequent first.
    var failureSection: Section {
        Section(
            header: ["failed request", "reason", "code", "message", "count"],
            rows: failures.map { [$0.key, $0.reason, String($0.code), $0.message ?? "(other messages)", String($0.count)] })
    }

    /// Columns padded to their widest cell, headers in capitals.
    private static func aligned(_ section: Section) -> [String] {
        let rows = [section.header.map { $0.uppercased() }] + section.rows
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }

    /// JUnit XML: a test suite `soak` with one test case per threshold and baseline check; a check
    /// without data fails with type `no_data`.
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
                let type = check.verdict == .noData ? "no_data" : check.kind
                xml += open + "\n" + #"      <failure message="\#(HTML.escape(check.detail))" type="\#(type)">\#(HTML.escape(check.detail))</failure>"# + "\n    </testcase>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }
}

extension RunSummary.Verdict {
    /// How the table and the page show it.
    var label: String {
        switch self {
        case .pass: "pass"
        case .fail: "FAIL"
        case .noData: "NO DATA"
        }
    }
}
