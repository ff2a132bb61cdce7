import Foundation
import Testing

/// The checks of grafana's dashboard-linter (and the monitoring mixins' conventions), on the generated
/// dashboards: data source and job/instance variables, every selector filtered by them, rates over
/// `$__rate_interval`, counters only inside rate or increase, a title, description and valid unit on every
/// panel, and no overlapping panels.
@Suite("Dashboards pass the dashboard linter's checks")
struct DashboardLintTests {
    /// Grafana's standard unit ids the dashboards may use (a subset of its value formats); `suffix:` custom units too.
    static let units: Set = [
        "none", "short", "percent", "percentunit", "bool", "bool_yes_no", "bytes", "decbytes", "Bps", "binBps", "bps",
        "ns", "µs", "ms", "s", "m", "h", "d", "dtdurations", "dtdurationms", "cps", "ops", "reqps", "rps", "wps", "iops", "cpm", "opm",
        "rpm", "dateTimeAsIso", "dateTimeFromNow",
    ]
    /// The variables a selector must match job and instance with: Pulp's own series have their own.
    static func requiredMatchers(for selector: PromQLSelector) -> [String] {
        let pulp = selector.name?.hasPrefix("pulp_") == true
        return pulp ? [#"job=~"$pulp_job""#, #"instance=~"$pulp_instance""#] : [#"job=~"$job""#, #"instance=~"$instance""#]
    }
    /// Fixed windows an increase may use besides `$__rate_interval`: counts that must not change with the zoom.
    static let fixedWindows: Set = ["1h"]

    static func load(_ file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/dashboards/\(file)"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theScannerFindsSelectorsRangesAndTheirFunctions() {
        let found = PromQLSelectors.selectors(in: #"""
            sum by (probe, le) (rate(a_bucket{job=~"$job", x="a{b}"}[$__rate_interval])) / on (probe) group_left
            max(b offset 1d) > bool 1.5e3 * increase(c_total{y="1"}[1h]) or label_replace(d, "dst", "$1", "src", "(.*)") unless {__name__="e"}
            """#)
        #expect(found == [
            PromQLSelector(name: "a_bucket", matchers: #"job=~"$job", x="a{b}""#, range: "$__rate_interval", function: "rate"),
            PromQLSelector(name: "b", function: "max"),
            PromQLSelector(name: "c_total", matchers: #"y="1""#, range: "1h", function: "increase"),
            PromQLSelector(name: "d", function: "label_replace"),
            PromQLSelector(name: nil, matchers: #"__name__="e""#),
        ])
    }

    @Test(arguments: dashboardFiles)
    func dashboardPassesTheLinter(_ file: String) throws {
        let dashboard = try Self.load(file)
        #expect(dashboard["uid"] as? String == file.replacingOccurrences(of: ".json", with: ""))
        #expect((dashboard["title"] as? String)?.hasPrefix("Soak / ") == true)
        #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 39)
        #expect(dashboard["tags"] as? [String] == ["soak"])

        // template-datasource, template-job, template-instance: the variables every query relies on.
        let variables = ((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]]) ?? []
        let datasource = try #require(variables.first)
        #expect(datasource["name"] as? String == "datasource" && datasource["type"] as? String == "datasource" && datasource["query"] as? String == "prometheus")
        for name in ["job", "instance"] {
            let variable = try #require(variables.first { $0["name"] as? String == name }, "no \(name) variable")
            #expect(variable["multi"] as? Bool == true && variable["includeAll"] as? Bool == true && variable["allValue"] as? String == ".+")
        }
        for variable in variables.dropFirst() {
            #expect((variable["datasource"] as? [String: String])?["uid"] == "${datasource}", "variable \(variable["name"] ?? "?")")
        }
        let defined = Set(variables.compactMap { $0["name"] as? String })
        let annotations = ((dashboard["annotations"] as? [String: Any])?["list"] as? [[String: Any]]) ?? []
        #expect(annotations.contains { ($0["expr"] as? String)?.contains(#"ALERTS{alertname=~"Soak.*""#) == true })

        let panels = dashboard["panels"] as? [[String: Any]] ?? []
        #expect(panels.filter { $0["type"] as? String != "row" }.count >= 10)
        var occupied: [(title: String, x: Int, y: Int, w: Int, h: Int)] = []
        for panel in panels {
            let title = panel["title"] as? String ?? ""
            #expect(!title.isEmpty)
            // No overlapping grid positions, nothing past the 24 columns.
            let grid = panel["gridPos"] as? [String: Int] ?? [:]
            let box = (title: title, x: grid["x"] ?? -1, y: grid["y"] ?? -1, w: grid["w"] ?? 0, h: grid["h"] ?? 0)
            #expect(box.x >= 0 && box.y >= 0 && box.w > 0 && box.h > 0 && box.x + box.w <= 24, "\(title): \(grid)")
            for other in occupied where box.x < other.x + other.w && other.x < box.x + box.w && box.y < other.y + other.h && other.y < box.y + box.h {
                Issue.record("\(file): \(title) overlaps \(other.title)")
            }
            occupied.append(box)
            guard panel["type"] as? String != "row" else { continue }

            // panel-title-description, panel-units, panel-datasource, panel-no-targets.
            #expect(!(panel["description"] as? String ?? "").isEmpty, "\(title) has no description")
            let unit = ((panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any])?["unit"] as? String ?? ""
            #expect(Self.units.contains(unit) || (unit.hasPrefix("suffix:") && unit.count > 7), "\(title): unit \"\(unit)\"")
            #expect((panel["datasource"] as? [String: String])?["uid"] == "${datasource}", "\(title)")
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "\(title) has no query")
            if ["stat", "state-timeline"].contains(panel["type"] as? String) {
                let defaults = (panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any]
                #expect(defaults?["thresholds"] != nil, "\(title): a verdict needs its colors")
            }
            for target in targets {
                let expr = target["expr"] as? String ?? ""
                let place = "\(file) \"\(title)\" \(target["refId"] as? String ?? "?")"
                #expect((target["datasource"] as? [String: String])?["uid"] == "${datasource}", "\(place)")
                // Sharding: the pods' series add up; only a panel about one process is split by instance, and it says so.
                let byInstance = try NSRegularExpression(pattern: #"by \([^)]*\binstance\b"#)
                if byInstance.firstMatch(in: expr, range: NSRange(expr.startIndex..., in: expr)) != nil {
                    #expect((panel["description"] as? String ?? "").contains("per pod"), "\(place) is split by instance without saying per pod")
                }
                // Every variable a query uses is defined.
                let regex = try NSRegularExpression(pattern: #"\$([A-Za-z_][A-Za-z0-9_]*)"#)
                for match in regex.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                    let name = String(expr[Range(match.range(at: 1), in: expr)!])
                    #expect(name.hasPrefix("__") || defined.contains(name), "\(place) uses $\(name), which is not a variable")
                }
                let selectors = PromQLSelectors.selectors(in: expr)
                #expect(!selectors.isEmpty, "\(place): no selector in \(expr)")
                for selector in selectors {
                    let name = selector.name ?? "{\(selector.matchers)}"
                    // target-job-rule, target-instance-rule.
                    for matcher in Self.requiredMatchers(for: selector) {
                        #expect(selector.matchers.contains(matcher), "\(place): \(name) lacks \(matcher)")
                    }
                    // target-rate-interval-rule: rates and _over_time functions over $__rate_interval.
                    if let function = selector.function, ["rate", "irate"].contains(function) || function.hasSuffix("_over_time") {
                        #expect(selector.range == "$__rate_interval", "\(place): \(function)(\(name)[\(selector.range ?? "")])")
                    }
                    // An increase is over $__rate_interval, or over a fixed window where the count must not change with the zoom.
                    if selector.function == "increase" {
                        #expect(selector.range.map { $0 == "$__rate_interval" || Self.fixedWindows.contains($0) } == true, "\(place): \(name)")
                    }
                    // target-counter-agg-rule: a counter only inside rate, irate or increase.
                    if name.hasSuffix("_total") || name.hasSuffix("_count") || name.hasSuffix("_sum") || name.hasSuffix("_bucket") {
                        #expect(["rate", "irate", "increase"].contains(selector.function ?? "") && selector.range != nil, "\(place): \(name) is not a rate")
                    }
                }
            }
        }
    }
}
