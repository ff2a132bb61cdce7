import Foundation
import SoakConfig
import Testing
import Yams

@Suite("Alert and recording rules: promtool check and unit tests, every alert tested and in the runbook")
struct PrometheusRulesTests {
    static let root = URL(fileURLWithPath: repositoryRoot)
    static let rules = root.appendingPathComponent("deploy/prometheus/soak-rules.yml").path
    static let tests = root.appendingPathComponent("deploy/prometheus/soak-rules.test.yml").path

    static func names(after prefix: String, in path: String) throws -> Set<String> {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return Set(text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let marker = trimmed.hasPrefix("- " + prefix) ? "- " + prefix : trimmed.hasPrefix(prefix) ? prefix : nil
            return marker.map { String(trimmed.dropFirst($0.count)).trimmingCharacters(in: .whitespaces) }
        })
    }

    @Test func promtoolAcceptsTheRulesAndTheirUnitTestsPass() throws {
        let promtool = try Executables.required("promtool", package: "prometheus")
        let check = try Command.run(promtool, ["check", "rules", Self.rules])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let test = try Command.run(promtool, ["test", "rules", Self.tests])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
    }

    /// The fast variant the end-to-end alert test loads, as `scripts/generate --fast-rules` renders it.
    static func fastRules() throws -> String {
        let python = try Executables.required("python3", package: "python3")
        let run = try Command.run(python, ["\(repositoryRoot)/scripts/generate", "--fast-rules"])
        guard run.status == 0 else { throw HTTP.Failure(description: "scripts/generate --fast-rules: \(run.stderr)") }
        return run.stdout
    }

    /// An expression with each range window and offset duration replaced by `D`, and those durations in order.
    static func durations(in expr: String) throws -> (masked: String, found: [String]) {
        let regex = try NSRegularExpression(pattern: #"(?<=\[|offset )(?:[0-9]+(?:ms|[smhdwy]))+(?=\]|\b)"#)
        let range = NSRange(expr.startIndex..., in: expr)
        let found = regex.matches(in: expr, range: range).map { String(expr[Range($0.range, in: expr)!]) }
        return (regex.stringByReplacingMatches(in: expr, range: range, withTemplate: "D"), found)
    }

    static func seconds(_ text: String) throws -> Double {
        try DurationSyntax.seconds(#require(DurationSyntax.parse(text), "not a duration: \(text)"))
    }

    @Test func theFastVariantDiffersFromTheShippedRulesOnlyInForAndWindowDurations() throws {
        let fastText = try Self.fastRules()
        let shipped = try #require(try Yams.load(yaml: String(contentsOfFile: Self.rules, encoding: .utf8)) as? [String: Any])
        let fast = try #require(try Yams.load(yaml: fastText) as? [String: Any])
        let shippedGroups = shipped["groups"] as? [[String: Any]] ?? []
        let fastGroups = fast["groups"] as? [[String: Any]] ?? []
        #expect(Set(shipped.keys) == ["groups"] && Set(fast.keys) == ["groups"])
        #expect(shippedGroups.map { $0["name"] as? String } == fastGroups.map { $0["name"] as? String })
        var changed = 0
        for (shippedGroup, fastGroup) in zip(shippedGroups, fastGroups) {
            let shippedRules = shippedGroup["rules"] as? [[String: Any]] ?? []
            let fastRules = fastGroup["rules"] as? [[String: Any]] ?? []
            #expect(shippedRules.count == fastRules.count && shippedRules.count >= 20)
            for (original, quick) in zip(shippedRules, fastRules) {
                let name = (original["alert"] ?? original["record"]) as? String ?? "?"
                // Everything but expr and for is the same, labels and annotations included.
                #expect(try canonicalJSON(original.filter { $0.key != "expr" && $0.key != "for" })
                    == canonicalJSON(quick.filter { $0.key != "expr" && $0.key != "for" }), "\(name)")
                #expect((original["for"] == nil) == (quick["for"] == nil), "\(name)")
                if let slow = original["for"] as? String, let short = quick["for"] as? String {
                    // Every for: divided by 120, rounded up to whole seconds.
                    #expect(try Self.seconds(short) == (Self.seconds(slow) / 120).rounded(.up), "\(name): for \(slow) became \(short)")
                    changed += 1
                }
                let before = try Self.durations(in: original["expr"] as? String ?? "")
                let after = try Self.durations(in: quick["expr"] as? String ?? "")
                #expect(before.masked == after.masked, "\(name): the expressions differ beyond their durations")
                #expect(before.found.count == after.found.count, "\(name)")
                for (slow, short) in zip(before.found, after.found) {
                    // Windows and offsets divided by 120; a window stays at least 10 s (offsets may be shorter).
                    let expected = (try Self.seconds(slow) / 120).rounded(.up)
                    let actual = try Self.seconds(short)
                    #expect(actual == expected || (actual == 10 && expected < 10), "\(name): \(slow) became \(short)")
                    changed += 1
                }
            }
        }
        #expect(changed >= 30)
        // And Prometheus accepts it.
        let promtool = try Executables.required("promtool", package: "prometheus")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soak-fast-rules-\(UUID().uuidString).yml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try fastText.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try Command.run(promtool, ["check", "rules", file])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func everyAlertHasATestAndARunbookSection() throws {
        let alerts = try Self.names(after: "alert:", in: Self.rules)
        #expect(alerts.count >= 8)
        let tested = try Self.names(after: "alertname:", in: Self.tests)
        #expect(alerts.subtracting(tested).isEmpty, "alerts without a test: \(alerts.subtracting(tested).sorted())")
        let runbook = try String(contentsOfFile: Self.root.appendingPathComponent("docs/runbook.md").path, encoding: .utf8)
        let rules = try String(contentsOfFile: Self.rules, encoding: .utf8)
        for alert in alerts {
            #expect(alert.hasPrefix("Soak"))
            #expect(runbook.contains("\n## \(alert)\n"), "docs/runbook.md has no section for \(alert)")
            #expect(rules.contains("runbook_url: \"docs/runbook.md#\(alert.lowercased())\""), "\(alert) does not link its runbook section")
        }
    }

    /// With shards, the pods of one deployment share its load: the rules about the load aggregate across
    /// them (by job and namespace, never by instance or pod), and an alert on such a rule does not name an
    /// instance it no longer has. Only schedule lag, a property of one process, is recorded per instance.
    @Test func deploymentWideRulesAggregateAcrossPodsAndTheirAlertsNameNoInstance() throws {
        let document = try #require(try Yams.load(yaml: String(contentsOfFile: Self.rules, encoding: .utf8)) as? [String: Any])
        let rules = (document["groups"] as? [[String: Any]] ?? []).flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        let perProcess: Set = ["soak:schedule_lag_seconds:p99_5m"]
        var deploymentWide: [String] = []
        for rule in rules {
            guard let record = rule["record"] as? String, let expr = rule["expr"] as? String else { continue }
            if perProcess.contains(record) {
                #expect(expr.contains("by (job, instance,"), "\(record) is about one process: \(expr)")
            } else {
                #expect(expr.contains("by (job, namespace,") && !expr.contains("instance") && !expr.contains("pod"), "\(record): \(expr)")
                deploymentWide.append(record)
            }
        }
        #expect(deploymentWide.count >= 9)
        var checked = 0
        for rule in rules {
            guard let alert = rule["alert"] as? String, let expr = rule["expr"] as? String else { continue }
            let description = (rule["annotations"] as? [String: String])?["description"] ?? ""
            guard deploymentWide.contains(where: { expr.contains($0) }) || expr.contains("by (job, namespace,") else { continue }
            checked += 1
            #expect(!description.contains("$labels.instance"), "\(alert) aggregates instance away but names it: \(description)")
            // An objective, exported alike by every pod, joins as its max over the pods.
            if expr.contains("soak_objective_") {
                #expect(expr.contains("max by (job, namespace,") && !expr.contains("group_left"), "\(alert): \(expr)")
            }
        }
        #expect(checked >= 10)
    }
}
