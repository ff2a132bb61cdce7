import Foundation
import Testing

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
}
