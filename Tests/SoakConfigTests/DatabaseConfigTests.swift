import Foundation
@testable import SoakConfig
import Testing

@Suite("The databases section: defaults, validation with exact problems, redaction")
struct DatabaseConfigTests {
    static let dsnHint = #"write a URI such as postgresql://user@host:5432/dbname or key=value pairs such as "host=db port=5432 dbname=pulp user=pulp""#
    static let tests = "idle, heartbeat, idle_in_transaction, transaction_with_work, session_variable, listen, listen_with_notify"

    @Test func everyProblemIsReportedWithItsPlaceAndFix() {
        #expect(throws: ConfigError.self) { try load("database-errors.yaml") }
        do {
            _ = try load("database-errors.yaml")
        } catch {
            #expect(error.problems.map(\.description) == [
                #"database-errors.yaml:2:5: databases[0]: missing required key "name" (the database label), e.g. name: proxy"#,
                #"database-errors.yaml:2:10: databases[0].dsn: not a valid libpq connection string (invalid connection option "dbnmae"); "# + Self.dsnHint,
                "database-errors.yaml:4:38: databases[0].probes.connect.timeout: 5s is longer than every 1s; make it at most 1s",
                #"database-errors.yaml:5:7: unknown key "ping" in databases[0].probes (valid keys: connect, query, activity, settings)"#,
                "database-errors.yaml:7:23: databases[0].holds[0].interval: idle takes no interval; remove it (valid keys: test, hold, statement_timeout, thresholds)",
                #"database-errors.yaml:8:17: databases[0].holds[1].test: unknown test "sleepy"; use one of "# + Self.tests,
                "database-errors.yaml:9:38: databases[0].holds[2].interval: 1h is not shorter than hold 50m; make it shorter",
                #"database-errors.yaml:10:34: databases[0].holds[3].channel: invalid channel "Pulp-Wakeup"; use lower-case letters, digits and _, starting with a letter, at most 63 characters"#,
                #"database-errors.yaml:11:9: databases[0].holds[4]: missing required key "test", one of "# + Self.tests,
                "database-errors.yaml:13:10: databases[1].dsn: not a valid libpq connection string (libpq cannot parse it); " + Self.dsnHint,
                "database-errors.yaml:16:9: databases[1].holds[1].test: idle is listed twice for this database; each test runs once per database entry",
                #"database-errors.yaml:17:11: databases[2].name: "proxy" is used twice; database names must differ"#,
                "database-errors.yaml:20:31: databases[3].probes.activity.thresholds: the activity probe measures no latency; only error_ratio < N% applies",
                #"database-errors.yaml:22:36: databases[3].holds[0].thresholds: invalid threshold "missing == 0"; write EVENT == 0 with EVENT one of died, failed_to_start"#,
            ])
            // A connection string libpq cannot parse is never repeated: it may hold a password.
            #expect(!error.description.contains("hunter2") && !error.description.contains("oops"))
        }
    }

    @Test func defaultsFillEveryProbeAndHoldSetting() throws {
        let config = try load("databases-valid.yaml")
        let direct = config.databases[0]
        #expect(direct.name == "direct")
        #expect(direct.connectTimeout == .seconds(10))
        #expect(direct.probes.map(\.kind) == [.connect, .query, .activity, .settings])
        #expect(direct.probes.map(\.every) == [.seconds(30), .seconds(15), .seconds(30), .seconds(300)])
        #expect(direct.probes.map(\.timeout) == [.seconds(10), .seconds(5), .seconds(5), .seconds(5)])
        #expect(direct.probes[1].sql == "SELECT 1" && direct.probes[1].queryName == "default")
        #expect(direct.holds.isEmpty)

        let proxy = config.databases[1]
        #expect(proxy.dsn?.value == "postgresql://pulp:file-pw@proxy.example.com:5432/pulp?sslmode=require")
        #expect(proxy.connectTimeout == .seconds(3))
        // Only the probes named run; a bare key takes the defaults; a timeout never exceeds every.
        #expect(proxy.probes.map(\.kind) == [.connect, .query, .settings])
        #expect(proxy.probes[0].every == .seconds(2) && proxy.probes[0].timeout == .seconds(2))
        #expect(proxy.probes[1].sql == "SELECT count(*) FROM core_task" && proxy.probes[1].queryName == "tasks")
        #expect(proxy.probes[2].every == .seconds(300))
        #expect(proxy.holds.map(\.test) == [.idle, .heartbeat, .transactionWithWork, .listen, .listenWithNotify])
        #expect(proxy.holds.map(\.hold) == [.seconds(3000), .seconds(600), .seconds(600), .seconds(3000), .seconds(300)])
        #expect(proxy.holds.map(\.interval) == [nil, .seconds(60), .seconds(30), nil, nil])
        #expect(proxy.holds.map(\.channel) == [nil, nil, nil, "pulp_worker_wakeup", "soak_probe"])
        #expect(proxy.holds.map(\.notifyEvery) == [nil, nil, nil, nil, .seconds(10)])
        #expect(proxy.probes[0].thresholds == [.latency(quantile: 0.95, below: .milliseconds(100)), .errorRatio(below: 0.01)])
        #expect(proxy.holds[4].mustNotHappen == ["missing", "died"])
        #expect(proxy.holds[0].mustNotHappen.isEmpty)
    }

    @Test func passwordsNeverAppearInTheRedactedConfigAndAreScrubbedFromMessages() throws {
        let config = try load("databases-valid.yaml")
        #expect(!config.redactedYAML.contains("s3cret-pw"))
        #expect(!config.redactedYAML.contains("file-pw"))
        // Where it connects is shown; the password never is.
        #expect(config.redactedYAML.contains("dsn: host=127.0.0.1 port=5432 dbname=pulp user=pulp\n"))
        #expect(config.databases[0].endpoint == "host=127.0.0.1 port=5432 dbname=pulp user=pulp")
        #expect(config.redactedYAML.contains("dsn_file: \(testdata)/secrets/dsn"))
        #expect(config.databases[0].redact("auth failed for password s3cret-pw") == "auth failed for password <secret>")
        #expect(config.databases[1].redact("file-pw rejected") == "<secret> rejected")
    }

    @Test func redactedConfigLoadsBackToTheSameDatabases() throws {
        let config = try load("databases-valid.yaml")
        // The inline DSN is shown without its password; the file-based entry must come back equal.
        let yaml = config.redactedYAML
        let reloaded = try ConfigLoader.parse(yaml: yaml, file: "redacted.yaml", baseDirectory: testdata, environment: [:])
        #expect(reloaded.databases[1] == config.databases[1])
        #expect(reloaded.databases[0].probes == config.databases[0].probes)
    }
}
