import Foundation
import SoakConfig
import Testing

/// The testdata directory beside this file; problems name files relative to it.
let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata").path

func load(_ name: String, environment: [String: String] = [:]) throws(ConfigError) -> SoakConfiguration {
    let text = (try? String(contentsOfFile: testdata + "/" + name, encoding: .utf8)) ?? ""
    return try ConfigLoader.parse(yaml: text, file: name, baseDirectory: testdata, environment: environment)
}

@Suite("Config files that fail to load, with their exact problems")
struct InvalidConfigTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String
        var environment: [String: String] = [:]
        let problems: [String]
        var testDescription: String { file }
    }

    static let hint = "write a number and a unit (us, ms, s, m, h, d), largest unit first, e.g. 500us, 0.5ms, 30s or 1h30m"

    static let cases: [Case] = [
        Case(
            file: "unknown-key.yaml",
            problems: [
                #"unknown-key.yaml:2:3: unknown key "listen_adress" in web; did you mean "listen_address"? (valid keys: listen_address, idle_timeout, links)"#
            ]),
        Case(
            file: "unknown-top-level-key.yaml",
            problems: [
                #"unknown-top-level-key.yaml:1:1: unknown key "target" at the top level; did you mean "targets"? (valid keys: web, results_file, http, targets, scenarios, ingestion, tasks, json_values, databases)"#
            ]),
        Case(
            file: "bad-duration.yaml",
            problems: [
                #"bad-duration.yaml:4:14: targets.pulp.timeout: invalid duration "30 seconds": "# + hint,
                #"bad-duration.yaml:5:22: targets.pulp.connect_timeout: invalid duration "5m2h": "# + hint,
            ]),
        Case(
            file: "wrong-type.yaml",
            problems: [
                #"wrong-type.yaml:1:6: web: expected a mapping of listen_address, idle_timeout, links, found ":9470""#,
                "wrong-type.yaml:4:10: targets.pulp.url: expected a string, found a list",
                "wrong-type.yaml:5:14: targets.pulp.timeout: expected a duration such as 30s, found a mapping",
                #"wrong-type.yaml:7:29: targets.pulp.tls.insecure_skip_verify: expected true or false, found "yes""#,
            ]),
        Case(
            file: "unset-env-var.yaml",
            problems: [
                "unset-env-var.yaml:5:24: targets.api.auth.bearer.token: environment variable API_TOKEN is not set; set it, or give a default with ${API_TOKEN:-default}"
            ]),
        Case(
            file: "missing-secret-file.yaml",
            problems: [
                #"missing-secret-file.yaml:7:24: targets.pulp.auth.basic.password_file: cannot read "/nonexistent/soak-test/password": No such file or directory"#
            ]),
        Case(
            file: "empty-secret-file.yaml",
            problems: [
                #"empty-secret-file.yaml:5:29: targets.api.auth.bearer.token_file: "TESTDATA/secrets/empty" is empty"#
            ]),
        Case(
            file: "secret-twice.yaml",
            problems: ["secret-twice.yaml:7:21: targets.api.auth.bearer: set either token or token_file, not both"]),
        Case(
            file: "invalid-yaml.yaml",
            problems: ["invalid-yaml.yaml:3:2: invalid YAML: while parsing a block mapping at line 1, did not find expected key"]),
        Case(
            file: "duplicate-key.yaml",
            problems: [#"duplicate-key.yaml:3:5: duplicate key "url" in this mapping; keep one"#]),
        Case(
            file: "bad-listen-address.yaml",
            problems: [
                #"bad-listen-address.yaml:2:19: web.listen_address: invalid address "localhost": write [HOST]:PORT, e.g. :9470, 127.0.0.1:9470 or [::1]:9470"#
            ]),
        Case(
            file: "bad-url.yaml",
            problems: [
                #"bad-url.yaml:3:10: targets.a.url: invalid URL "ftp://files.example.com": write http:// or https:// and a host, e.g. https://pulp.example.com"#,
                "bad-url.yaml:5:10: targets.b.url: credentials in the URL are not allowed; put them under auth.basic",
                #"bad-url.yaml:7:5: targets.c: missing required key "url", e.g. url: https://pulp.example.com"#,
                "bad-url.yaml:8:3: targets.9lives: invalid target name; use letters, digits, _ and -, starting with a letter",
            ]),
        Case(
            file: "connect-timeout-longer.yaml",
            problems: ["connect-timeout-longer.yaml:5:22: targets.pulp.connect_timeout: 10s is longer than timeout 5s; make it shorter"]),
        Case(
            file: "not-a-mapping.yaml",
            problems: [
                "not-a-mapping.yaml:1:1: the config: expected a mapping of web, results_file, http, targets, scenarios, ingestion, tasks, json_values, databases, found a list"
            ]),
        Case(
            file: "limits-errors.yaml",
            problems: [
                #"limits-errors.yaml:5:54: targets.slow_api.timeout: 2h is longer than the limit of 1h; make it shorter"#,
                #"limits-errors.yaml:5:78: targets.slow_api.max_response_bytes: 9999999999 is beyond the limit of 67108864; use at most 67108864"#,
                #"limits-errors.yaml:11:21: scenarios[0].pools.ids.range: "-9223372036854775808..9223372036854775807" holds more than the limit of 1000000 values; narrow it"#,
                #"limits-errors.yaml:13:59: scenarios[0].requests[0].weight: 9223372036854775807 is beyond the limit of 1000000; use at most 1000000"#,
                #"limits-errors.yaml:14:38: scenarios[0].requests[1].weight: 9223372036854775807 is beyond the limit of 1000000; use at most 1000000"#,
                #"limits-errors.yaml:17:11: scenarios[1].rate: 0.0000001/h is slower than the slowest rate soak runs, 1/h; use 1/h or faster"#,
                #"limits-errors.yaml:21:11: scenarios[2].rate: 1000000/s is faster than one soak process sends, at most 10000/s in all; split the load over several soak processes"#,
                #"limits-errors.yaml:22:20: scenarios[2].max_in_flight: 1000000 is beyond the limit of 10000; use at most 10000"#,
                #"limits-errors.yaml:26:17: scenarios[3].user_count: 2000000000 is beyond the limit of 100000; use at most 100000"#,
                #"limits-errors.yaml:32:14: scenarios[4].ramp_up: 400d is longer than the limit of 1d; make it shorter"#,
                #"limits-errors.yaml:34:32: scenarios[4].users[0].weight: 9223372036854775807 is beyond the limit of 1000000; use at most 1000000"#,
                #"limits-errors.yaml:34:59: scenarios[4].users[0].wait: "0ms..99999999999d" waits longer than the limit of 1d; wait less"#,
                #"limits-errors.yaml:35:31: scenarios[4].users[1].count: 9223372036854775807 is beyond the limit of 100000; use at most 100000"#,
                #"limits-errors.yaml:36:37: scenarios[4].users[2].count: 99999999999999999999 is beyond the limit of 100000; use at most 100000"#,
                #"limits-errors.yaml:36:67: scenarios[4].users[2].pacing: 2d is longer than the limit of 1d; make it shorter"#,
                #"limits-errors.yaml:37:33: scenarios[4].requests[0].path: in template "/a?t={{ now "+36600000d" }}": now "+36600000d": more than the limit of 36500d away; shift less"#,
                #"limits-errors.yaml:44:11: scenarios[6].rate: the open-model scenarios add up to 12000/s, beyond what one soak process sends, at most 10000/s in all; split the load over several soak processes"#,
                #"limits-errors.yaml:47:42: ingestion[0].concurrency: 1000 is beyond the limit of 100; use at most 100"#,
                #"limits-errors.yaml:47:55: ingestion[0].every: 2d is longer than the limit of 1d; make it shorter"#,
                #"limits-errors.yaml:49:62: tasks[0].timeout: 8d is longer than the limit of 7d; make it shorter"#,
                #"limits-errors.yaml:49:83: tasks[0].max_in_progress: 100000 is beyond the limit of 10000; use at most 10000"#,
                #"limits-errors.yaml:54:29: databases[0].holds[0].hold: 30d is longer than the limit of 7d; make it shorter"#,
            ]),
        Case(
            file: "alias-bomb.yaml",
            problems: ["alias-bomb.yaml:19:55: the config expands to more than 1000000 YAML nodes through its aliases; write less or use fewer aliases"]),
        Case(
            file: "alias-key-bomb.yaml",
            problems: ["alias-key-bomb.yaml:6:8: keys must be plain strings, found an alias of a list or mapping (*c)"]),
        Case(
            file: "line-break-credentials.yaml",
            problems: [
                #"line-break-credentials.yaml:5:35: targets.api.auth.bearer.token_file: "TESTDATA/secrets/token-with-crlf" holds a line break (CR or LF) before its end, which would split the header the value is sent in; keep the value on one line"#,
                "line-break-credentials.yaml:8:50: targets.basic_api.auth.basic.password: must be one line; it holds a line break (CR or LF), which would split the header it is sent in",
                #"line-break-credentials.yaml:14:26: scenarios[0].credentials.file: row 2 of "TESTDATA/pools/tokens-with-crlf.txt" holds a line break (CR or LF) inside a quoted value, which would split the header it is sent in; keep each credential on one line"#,
            ]),
    ]

    @Test(arguments: cases)
    func problems(_ testCase: Case) {
        #expect(throws: ConfigError.self) { try load(testCase.file, environment: testCase.environment) }
        do {
            _ = try load(testCase.file, environment: testCase.environment)
        } catch {
            let expected = testCase.problems.map { $0.replacingOccurrences(of: "TESTDATA", with: testdata) }
            #expect(error.problems.map(\.description) == expected)
        }
    }

    @Test func missingConfigFileNamesTheFile() {
        #expect(throws: ConfigError(problems: [
            ConfigProblem(file: "/nonexistent/soak.yaml", line: nil, column: nil, message: "cannot read the config file: No such file or directory")
        ])) {
            try ConfigLoader.load(file: "/nonexistent/soak.yaml", environment: [:])
        }
    }
}

@Suite("Config files that load, with their defaults")
struct ValidConfigTests {
    @Test(arguments: ["empty.yaml", "empty-mapping.yaml", "comments-only.yaml"])
    func emptyFileRunsOnlySoakItself(_ file: String) throws {
        let config = try load(file)
        #expect(config.web.listenAddress == ListenAddress(":9470"))
        #expect(config.targets.isEmpty)
        #expect(config.resultsFile == nil)
    }

    @Test func fullFileIsDecodedDefaultedAndResolved() throws {
        let config = try load("full.yaml", environment: ["API_KEY": "k3y", "API_TOKEN": "t0ken"])
        #expect(config.web.listenAddress == ListenAddress("127.0.0.1:9999"))
        #expect(config.resultsFile == testdata + "/results.jsonl")
        #expect(config.targets.map(\.name) == ["pulp", "ingest"])

        let pulp = config.targets[0]
        #expect(pulp.url == "https://pulp.example.com")
        #expect(pulp.timeout == .seconds(90))
        #expect(pulp.connectTimeout == .milliseconds(250))
        #expect(pulp.headers.map(\.name) == ["User-Agent", "X-Api-Key"])
        #expect(pulp.headers.map(\.value) == ["soak-test/local", "k3y"])
        #expect(pulp.auth == .basic(username: "admin", password: pulp.basicPassword!))
        #expect(pulp.basicPassword?.value == "hunter2")
        #expect(pulp.basicPassword?.source == .file(path: testdata + "/secrets/password"))
        #expect(pulp.tls?.caFile == testdata + "/secrets/password")
        #expect(pulp.tls?.insecureSkipVerify == true)

        let ingest = config.targets[1]
        #expect(ingest.timeout == .seconds(30))
        #expect(ingest.connectTimeout == .seconds(5))
        guard case .bearer(let token) = ingest.auth else {
            Issue.record("expected bearer auth, got \(String(describing: ingest.auth))")
            return
        }
        #expect(token.value == "t0ken")
        #expect(token.source == .inline)
    }

    @Test func environmentDefaultIsUsedOnlyWhenTheVariableIsUnsetOrEmpty() throws {
        let set = try load("full.yaml", environment: ["API_KEY": "k", "API_TOKEN": "t", "RUN_ID": "run-7"])
        #expect(set.targets[0].headers[0].value == "soak-test/run-7")
        let empty = try load("full.yaml", environment: ["API_KEY": "k", "API_TOKEN": "t", "RUN_ID": ""])
        #expect(empty.targets[0].headers[0].value == "soak-test/local")
    }

    @Test func secretsNeverAppearInTheRedactedConfigOrDescriptions() throws {
        let config = try load("full.yaml", environment: ["API_KEY": "k3y-value", "API_TOKEN": "t0ken-value"])
        let yaml = config.redactedYAML
        for secret in ["hunter2", "k3y-value", "t0ken-value"] {
            #expect(!yaml.contains(secret))
        }
        for secret in ["hunter2", "t0ken-value"] {
            #expect(!String(describing: config).contains(secret))
            #expect(!String(reflecting: config.targets).contains(secret))
        }
        #expect(yaml.contains("password_file: \(testdata)/secrets/password"))
        #expect(yaml.contains("token: <secret>"))
        #expect(yaml.contains("X-Api-Key: <secret>"))
        #expect(yaml.contains("timeout: 1m30s"))
        #expect(yaml.contains("connect_timeout: 5s"))
    }

    @Test func redactedConfigLoadsBackToTheSameSettings() throws {
        let config = try load("full.yaml", environment: ["API_KEY": "k", "API_TOKEN": "t"])
        let reloaded = try ConfigLoader.parse(yaml: config.redactedYAML, file: "redacted.yaml", baseDirectory: testdata, environment: [:])
        #expect(reloaded.web == config.web)
        #expect(reloaded.targets.map(\.url) == config.targets.map(\.url))
        #expect(reloaded.targets.map(\.timeout) == config.targets.map(\.timeout))
    }
}

extension TargetConfig {
    fileprivate var basicPassword: Secret? {
        if case .basic(_, let password) = auth { return password }
        return nil
    }
}
