@testable import SoakConfig
import Foundation
import Testing

@Suite("Scenarios in config files")
struct ScenarioConfigTests {
    @Test func everyScenarioProblemIsReportedWithItsPlace() {
        #expect(throws: ConfigError.self) { try load("scenario-errors.yaml") }
        do {
            _ = try load("scenario-errors.yaml")
        } catch {
            #expect(error.problems.map(\.description) == [
            #"scenario-errors.yaml:5:13: scenarios[0].target: no target named "nowhere" (defined: api)"#,
            #"scenario-errors.yaml:6:11: scenarios[0].rate: invalid rate "5 per second": write COUNT/UNIT with a positive count and a unit of s, m or h, e.g. 5/s or 120/m"#,
            #"scenario-errors.yaml:8:26: scenarios[0].requests[0].path: in template "/items/{{ uid }}": unknown function "uid" (known: uuid, session_id, user.id, user.index, user.class, arrival.index, randint, choice, now, pool, env, private_ip)"#,
            #"scenario-errors.yaml:9:26: scenarios[0].requests[1].path: must start with /, e.g. /api/v1/status"#,
            #"scenario-errors.yaml:9:46: scenarios[0].requests[1].method: unknown method "FETCH" (known: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)"#,
            #"scenario-errors.yaml:13:20: scenarios[1].max_in_flight: only scenarios with a rate (the open model) take max_in_flight"#,
            #"scenario-errors.yaml:15:41: scenarios[1].users[0].wait: invalid wait "2s..1s"; write a duration (500ms) or a range (1s..2s), shorter first"#,
            #"scenario-errors.yaml:17:21: scenarios[1].pools.ids.range: invalid range "1000..800"; write LOW..HIGH with whole numbers, e.g. 800..1000"#,
            #"scenario-errors.yaml:21:21: scenarios[1].requests[0].body.id: in template "{{ pool "idz" }}": pool "idz" is not defined in this scenario's pools (defined: ids)"#,
            #"scenario-errors.yaml:21:46: scenarios[1].requests[0].body.n: in template "{{ randint 9 1 }}": randint 9 1: the first number must not be larger"#,
            #"scenario-errors.yaml:22:30: scenarios[1].requests[0].expect_status: "7xx" is not a status code (100-599) or class (1xx-5xx)"#,
            #"scenario-errors.yaml:23:26: scenarios[1].requests[0].checks[0].json: invalid index in "items[x]"; write [0], [1], ..."#,
            #"scenario-errors.yaml:23:49: scenarios[1].requests[0].checks[1].regex: invalid regular expression "(""#,
            #"scenario-errors.yaml:24:22: scenarios[1].requests[0].thresholds: invalid duration "fast" in "p95 < fast": write a number and a unit (us, ms, s, m, h, d), largest unit first, e.g. 500us, 0.5ms, 30s or 1h30m"#,
            #"scenario-errors.yaml:29:28: scenarios[2].requests[0].path: in template "/u/{{ user.id }}": user.id needs virtual users; use it in a scenario with users and user_count"#,
            #"scenario-errors.yaml:29:73: scenarios[2].requests[0].headers.X-Session-Id: in template "{{ session_id }}": session_id needs virtual users; use it in a scenario with users and user_count"#,
            ])
        }
    }

    @Test func validScenariosAreDecodedWithDefaults() throws {
        let config = try load("scenarios-valid.yaml")
        #expect(config.http.latencyBuckets == [0.001, 0.01, 0.1, 1])
        #expect(config.scenarios.map(\.name) == ["browse", "analysts"])

        let browse = config.scenarios[0]
        #expect(browse.workload == .open(.init(rate: Rate("120/m")!, arrivals: .poisson, maxInFlight: 10)))
        #expect(browse.seed == 42)
        #expect(browse.thresholds == [.latency(quantile: 0.95, below: .milliseconds(250)), .errorRatio(below: 0.005)])
        #expect(browse.requests.map(\.name) == ["info", "search"])
        #expect(browse.requests[0].request.expectStatus.accepts(404))
        #expect(!browse.requests[0].request.expectStatus.accepts(201))
        #expect(browse.requests[1].request.method == "POST")
        #expect(browse.requests[1].request.timeout == .seconds(5))
        #expect(browse.requests[1].thresholds == [.latency(quantile: 0.99, below: .seconds(2))])
        #expect(browse.requests[1].checks.count == 2)
        #expect(browse.requests[1].request.expectStatus.accepts(204))

        let analysts = config.scenarios[1]
        guard case .closed(let model) = analysts.workload else {
            Issue.record("analysts should be a closed-model scenario")
            return
        }
        #expect(model.userCount == 4)
        #expect(model.rampUp == .seconds(60))
        #expect(model.classes.map(\.name) == ["heavy", "light", "pacer"])
        #expect(model.classes[0].wait == .between(.milliseconds(500), .seconds(1)))
        #expect(model.classes[1].requests == ["bundle"])
        #expect(model.classes[2].wait == .pacing(.seconds(5)))
        #expect(model.classes[2].count == 0 && model.classes[2].weight == nil)
        #expect(analysts.thresholds == ScenarioConfig.defaultThresholds)
        #expect(analysts.credentials?.entries.count == 5)
        #expect(analysts.credentials?.entries.first == .bearer(token: Secret(value: "tok-1", source: .file(path: testdata + "/pools/tokens.txt"))))
        let pools = Dictionary(uniqueKeysWithValues: analysts.pools.map { ($0.name, $0) })
        #expect(pools["bundle_ids"]?.perUser == 50)
        #expect(pools["bundle_ids"]?.overlap == 0.3)
        #expect(pools["cases"]?.source == .values([.string("01234567"), .string("07654321")]) || pools["cases"]?.source == .values([.integer(1234567), .integer(7654321)]))
        #expect(pools["components"]?.source == .values([.string("api"), .string("worker"), .string("db")]))
        guard case .sql(let dsn, let query, let fallback)? = pools["paths"]?.source else {
            Issue.record("paths should be a sql pool")
            return
        }
        #expect(query == "SELECT path FROM files")
        #expect(dsn.value == "host=127.0.0.1 port=1 dbname=x")
        #expect(fallback == [.string("/a"), .string("/b")])
        #expect(!config.redactedYAML.contains("host=127.0.0.1 port=1"))
        #expect(!config.redactedYAML.contains("tok-1"))
    }

    @Test func tooFewCredentialsForTheUsersIsAnError() throws {
        let yaml = """
            targets: { api: { url: "http://127.0.0.1:1" } }
            scenarios:
              - name: watchers
                target: api
                user_count: 6
                users: [{ name: viewer, weight: 1, wait: 1s..5s }]
                credentials: { file: pools/tokens.txt }
                requests: [{ name: history, path: /history }]
            """
        #expect(throws: ConfigError(problems: [
            ConfigProblem(file: "inline.yaml", line: 7, column: 26, message: #"scenarios[0].credentials.file: "\#(testdata)/pools/tokens.txt" has 5 credentials but user_count is 6; every virtual user needs its own"#)
        ])) {
            try ConfigLoader.parse(yaml: yaml, file: "inline.yaml", baseDirectory: testdata, environment: [:])
        }
    }
}
