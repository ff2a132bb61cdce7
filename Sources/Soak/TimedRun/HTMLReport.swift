internal import Foundation

extension RunSummary {
    /// One self-contained page (no scripts, fonts or images from elsewhere): the verdict with the failed
    /// checks first, the tables (requests, failures, probes), every check, the baseline, and per
    /// scenario the request rate, p95 latency and error ratio over time as inline SVG with their
    /// thresholds drawn in.
    public var html: String {
        var body = "<h1>soak run: \(passed ? "PASS" : "FAIL")</h1>\n"
        body += "<p class=\"meta\">\(HTML.escape(configFile)) · \(HTML.escape(startedAt)) to \(HTML.escape(endedAt)) · \(Figure.seconds(durationSeconds))\(completed ? "" : " (stopped early)") · soak \(HTML.escape(soakVersion)) (\(HTML.escape(revision))) · \(HTML.escape(verdictLine))</p>\n"
        let failed = checks.filter { !$0.passed }
        if !failed.isEmpty {
            body += "<section class=\"failed\"><h2>Failed checks</h2>\n<ul>\n"
            for check in failed {
                body += "<li><strong>\(HTML.escape(check.name))</strong> (\(check.verdict.label)): \(HTML.escape(check.detail))</li>\n"
            }
            body += "</ul></section>\n"
        }
        body += Self.htmlTable(requestSection)
        if !failures.isEmpty {
            body += "<h2>Failures</h2>\n" + Self.htmlTable(failureSection, class: "failures")
        }
        for (title, section) in [("Database probes", databaseProbeSection), ("Database holds", holdSection), ("Ingestion", ingestionSection), ("Tasks", taskSection)]
        where !section.rows.isEmpty {
            body += "<h2>\(title)</h2>\n" + Self.htmlTable(section)
        }
        if !checks.isEmpty {
            body += "<h2>Checks</h2>\n<table class=\"checks\"><tr><th>check</th><th>result</th><th>detail</th></tr>\n"
            for check in checks {
                body += "<tr class=\"\(check.verdict.rawValue)\"><td>\(HTML.escape(check.name))</td><td>\(check.verdict.label)</td><td>\(HTML.escape(check.detail))</td></tr>\n"
            }
            body += "</table>\n"
        }
        let baseline = baselineLines.dropFirst()
        if !baseline.isEmpty {
            body += "<h2>Baseline</h2>\n<ul class=\"baseline\">\n" + baseline.map { "<li>\(HTML.escape($0.trimmingCharacters(in: .whitespaces)))</li>\n" }.joined() + "</ul>\n"
        }
        body += charts
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>soak run: \(passed ? "PASS" : "FAIL")</title>
            <style>
            body { font-family: sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            tr.fail td, tr.no_data td { background: #fdd; } tr.pass td:nth-child(2) { color: #070; }
            table.checks td, table.checks th, table.failures td:nth-child(-n+4), table.failures th:nth-child(-n+4) { text-align: left; }
            section.failed { border: 2px solid #b00020; background: #fff4f4; padding: 0 1em; margin: 1em 0; }
            .meta { color: #666; } .charts { display: flex; flex-wrap: wrap; gap: 2em; }
            svg text { font: 11px sans-serif; fill: #444; paint-order: stroke; stroke: #fafafa; stroke-width: 3px; }
            </style></head><body>
            \(body)</body></html>

            """
    }

    /// Per scenario: requests per second, p95 latency and error ratio of each request over time, with
    /// the thresholds each chart's figure is held to.
    private var charts: String {
        var scenarioNames: [String] = []
        for figure in requests where !scenarioNames.contains(figure.scenario) { scenarioNames.append(figure.scenario) }
        // Each window's value is drawn at its middle.
        let half = (requests.first { $0.timeline.count > 1 }.map { $0.timeline[1].offsetSeconds - $0.timeline[0].offsetSeconds } ?? max(1, durationSeconds / 100)) / 2
        var html = ""
        for scenario in scenarioNames {
            let series = requests.filter { $0.scenario == scenario }
            let keys = Set(series.map(\.key)).union([scenario])
            func thresholds(_ figure: String, unit: String, scale: Double, show: (Double) -> String) -> [(label: String, value: Double)] {
                var seen: [Double] = []
                return checks.filter { $0.kind == "threshold" && $0.unit == unit && keys.contains($0.subject) && $0.name.hasPrefix("\($0.subject) \(figure) ") }
                    .compactMap { check in
                        guard !seen.contains(check.limit) else { return nil }
                        seen.append(check.limit)
                        return ("\(figure) \(unit == "per_second" ? ">" : "<") \(show(check.limit))", check.limit * scale)
                    }
            }
            html += "<h2>\(HTML.escape(scenario))</h2>\n<div class=\"charts\">\n"
            html += SVGChart(
                title: "requests per second", unit: "/s",
                // With several requests, the scenario as a whole too: its rate threshold holds for them together.
                series: (series.count > 1 ? series + scenarios.filter { $0.scenario == scenario } : series).map { figure in
                    .init(name: figure.request == "*" ? "all" : figure.request, points: figure.timeline.map { ($0.offsetSeconds + half, Optional($0.ratePerSecond)) })
                },
                thresholds: thresholds("rate", unit: "per_second", scale: 1) { Figure.rate($0) }, duration: durationSeconds
            ).svg
            html += SVGChart(
                title: "p95 latency", unit: "ms",
                series: series.map { figure in .init(name: figure.request, points: figure.timeline.map { ($0.offsetSeconds + half, $0.p95Seconds.map { $0 * 1000 }) }) },
                thresholds: thresholds("p95", unit: "seconds", scale: 1000) { Figure.seconds($0) }, duration: durationSeconds
            ).svg
            html += SVGChart(
                title: "error ratio", unit: "%",
                series: series.map { figure in
                    .init(
                        name: figure.request,
                        points: figure.timeline.map { ($0.offsetSeconds + half, $0.requests == 0 ? nil : Double($0.errors) / Double($0.requests) * 100) })
                },
                thresholds: thresholds("error_ratio", unit: "ratio", scale: 100) { Figure.ratio($0) }, duration: durationSeconds
            ).svg
            html += "</div>\n"
        }
        return html
    }

    /// A section as an HTML table of escaped cells.
    private static func htmlTable(_ section: Section, class name: String? = nil) -> String {
        "<table\(name.map { " class=\"\($0)\"" } ?? "")><tr>" + section.header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>\n"
            + section.rows.map { "<tr>" + $0.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>\n" }.joined() + "</table>\n"
    }
}
