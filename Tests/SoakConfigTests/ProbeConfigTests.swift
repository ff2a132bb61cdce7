import Foundation
@testable import SoakConfig
import Testing

@Suite("The ingestion, tasks and json_values sections: defaults, validation with exact problems")
struct ProbeConfigTests {
    @Test func defaultsFillEveryProbeSetting() throws {
        let config = try load("probes-valid.yaml")
        let defaults = config.ingestion[0]
        #expect(defaults.every == .seconds(60) && defaults.concurrency == 1)
        #expect(defaults.request.method == "GET" && defaults.request.path.source == "/api/pulp/test/tasks/")
        // The ingestion call's own 30 s default, not the target's 20 s: the server answers after 25 s.
        #expect(defaults.request.timeout == .seconds(30))
        #expect(defaults.countPath.description == "tasks_executed")
        let locks = config.ingestion[1]
        #expect(locks.every == .seconds(120) && locks.concurrency == 4 && locks.request.timeout == .seconds(40))
        #expect(locks.countPath.number(in: ["result": ["count": 7]]) == 7)

        let cleanup = config.tasks[0]
        #expect(cleanup.every == .seconds(300) && cleanup.pollInterval == .seconds(2) && cleanup.timeout == .seconds(600))
        #expect(cleanup.dispatch.method == "POST" && cleanup.dispatch.timeout == nil)
        #expect(cleanup.taskHrefs.map(\.description) == ["task", "tasks[].task_href"])
        #expect(cleanup.maxInProgress == 100)
        let rds = config.tasks[1]
        #expect(rds.taskHrefs.map(\.description) == ["tasks[].task_href"])
        #expect(!rds.dispatch.expectStatus.accepts(200) && rds.dispatch.expectStatus.accepts(202))
        #expect(rds.pollInterval == .seconds(60) && rds.timeout == .seconds(4200) && rds.maxInProgress == 14)

        let status = config.jsonValues[0]
        #expect(status.every == .seconds(30))
        #expect(status.values.map(\.name) == ["online_workers", "database_connected", "first_worker_seen"])
        #expect(config.summary.contains("tasks: 2"))
        #expect(config.summary.contains("  pulp_status: pulp /pulp/api/v3/status/ every 30s, values online_workers, database_connected, first_worker_seen"))
    }

    @Test func redactedConfigLoadsBackToTheSameProbes() throws {
        let config = try load("probes-valid.yaml")
        // Bodies show as "JSON template" in the redacted YAML, so compare what survives the round trip.
        let again = try ConfigLoader.parse(yaml: config.redactedYAML, file: "redacted.yaml", baseDirectory: "/", environment: [:])
        #expect(again.ingestion == config.ingestion)
        #expect(again.jsonValues == config.jsonValues)
        #expect(again.tasks.map(\.taskHrefs) == config.tasks.map(\.taskHrefs))
        #expect(again.tasks.map(\.timeout) == config.tasks.map(\.timeout))
        #expect(again.tasks.map(\.resultValues) == config.tasks.map(\.resultValues))
        #expect(again.tasks.map(\.thresholds) == config.tasks.map(\.thresholds))
        #expect(config.tasks[1].thresholds.count == 3 && config.ingestion[1].thresholds == [.tasksPerSecond(above: 2.5)])
    }

    @Test func everyProblemIsReportedWithItsPlaceAndFix() {
        #expect(throws: ConfigError.self) { try load("probe-errors.yaml") }
        do {
            _ = try load("probe-errors.yaml")
        } catch {
            #expect(error.problems.map(\.description) == [
                #"probe-errors.yaml:4:26: ingestion[0].target: no target named "pulpp" (defined: pulp)"#,
                "probe-errors.yaml:4:46: ingestion[0].concurrency: must be at least 1, found 0",
                #"probe-errors.yaml:5:51: ingestion[1].request.method: unknown method "FETCH" (known: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)"#,
                #"probe-errors.yaml:5:72: ingestion[1].count_path: "tasks[]" has [], which leads to several values; name one element, e.g. [0]"#,
                #"probe-errors.yaml:6:13: ingestion[2].name: "two" is used twice; ingestion names must differ"#,
                #"probe-errors.yaml:7:5: ingestion[3]: missing required key "name" (the probe label)"#,
                #"probe-errors.yaml:7:28: ingestion[3].every: invalid duration "soon": "# + DurationSyntax.hint,
                #"probe-errors.yaml:9:5: tasks[0]: missing required key "dispatch", e.g. dispatch: { method: POST, path: /pulp/api/v3/orphans/cleanup/ }"#,
                "probe-errors.yaml:10:56: tasks[1].dispatch.path: must start with /, e.g. /api/v1/status",
                "probe-errors.yaml:10:83: tasks[1].poll_interval: 10m is not shorter than timeout 5m; poll more often or follow longer",
                #"probe-errors.yaml:11:76: tasks[2].task_hrefs: invalid index in "tasks[x]"; write [0], [1], ..."#,
                "probe-errors.yaml:11:106: tasks[2].max_in_progress: must be at least 1, found 0",
                #"probe-errors.yaml:11:109: unknown key "retry" in tasks[2] (valid keys: name, target, every, shards, dispatch, task_hrefs, poll_interval, timeout, max_in_progress, result_values, thresholds)"#,
                #"probe-errors.yaml:13:5: json_values[0]: missing required key "values", e.g. values: { online_workers: online_workers.length() }"#,
                #"probe-errors.yaml:14:5: json_values[1]: missing required key "request", e.g. request: { path: /pulp/api/v3/status/ }"#,
                #"probe-errors.yaml:16:15: json_values[1].values.2bad: invalid name "2bad"; use letters, digits, _ and -, starting with a letter"#,
                #"probe-errors.yaml:16:35: json_values[1].values.workers: "online_workers[].name" has [], which leads to several values; name one element, e.g. [0]"#,
                #"probe-errors.yaml:16:66: json_values[1].values.fine: length() must end the path "a.length().b""#,
            ])
        }
    }
}
