@testable import SoakConfig
import Testing
import Yams

@Suite("Durations, rates, listen addresses and ${VAR} expansion")
struct ValueSyntaxTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("30s", .seconds(30)), ("50m", .seconds(3_000)),
        ("1h30m", .seconds(5_400)), ("2d", .seconds(172_800)), ("1h0m5s10ms", .milliseconds(3_605_010)), ("0", .zero),
        ("500us", .microseconds(500)), ("500µs", .microseconds(500)), ("0.5ms", .microseconds(500)), ("1.5s", .milliseconds(1_500)),
        ("1.25h", .seconds(4_500)), ("1s250.5ms", .microseconds(1_250_500)), ("0.000001s", .microseconds(1)), ("2ms3us", .microseconds(2_003)),
    ])
    func validDurations(_ text: String, _ expected: Duration) {
        #expect(DurationSyntax.parse(text) == expected)
    }

    @Test(arguments: [
        "", "5", "5x", "-1s", "30 s", "5m2h", "1s1s", "ms", "s30", "99999999999999s", "1.s", ".5s", "1.5.5s", "0.5", "1.0000000001s", "5us5ms",
        "µs", "1us500us", "1 ms", "1e3ms",
    ])
    func invalidDurations(_ text: String) {
        #expect(DurationSyntax.parse(text) == nil)
    }

    @Test(arguments: [
        (Duration.milliseconds(250), "250ms"), (.seconds(90), "1m30s"), (.seconds(5_400), "1h30m"), (.zero, "0s"),
        (.seconds(86_400 + 1), "1d1s"), (.microseconds(500), "500us"), (.microseconds(1_500), "1ms500us"),
    ])
    func durationsPrintInTheShortestForm(_ duration: Duration, _ expected: String) {
        // The longest a duration is written: printing it saturates rather than traps.
        #expect(DurationSyntax.format(DurationSyntax.parse("999999999999d")!).hasSuffix("us"))
        #expect(DurationSyntax.milliseconds(DurationSyntax.parse("999999999999d")!) == .max)
        #expect(DurationSyntax.format(duration) == expected)
        #expect(DurationSyntax.parse(expected) == duration)
    }

    @Test(arguments: [("5/s", 5.0), ("120/m", 2.0), ("0.5/s", 0.5), ("7200/h", 2.0), ("1 / s", 1.0)])
    func validRates(_ text: String, _ perSecond: Double) {
        #expect(Rate(text)?.perSecond == perSecond)
        #expect(Rate(text)?.description == text)
    }

    @Test(arguments: ["5", "5/sec", "0/s", "-1/s", "/s", "5/", "five/s", "1e3/s", "nan/s", "5/s/s"])
    func invalidRates(_ text: String) {
        #expect(Rate(text) == nil)
    }

    @Test func badRateInAConfigValueGetsItsPlaceAndFix() throws {
        let reader = ConfigReader(file: "soak.yaml", baseDirectory: "/", environment: ["RATE": "5 per second"])
        let node = try #require(try Yams.compose(yaml: "rate: ${RATE}")?.mapping?.first?.value)
        #expect(reader.rate(node, path: "scenarios[0].rate") == nil)
        #expect(reader.problems.map(\.description) == [
            #"soak.yaml:1:7: scenarios[0].rate: invalid rate "5 per second": write COUNT/UNIT with a positive count and a unit of s, m or h, e.g. 5/s or 120/m"#
        ])
    }

    @Test(arguments: [
        (":9470", "", 9470), ("127.0.0.1:0", "127.0.0.1", 0), ("[::1]:9470", "::1", 9470), ("localhost:80", "localhost", 80),
    ])
    func validListenAddresses(_ text: String, _ host: String, _ port: Int) {
        let address = ListenAddress(text)
        #expect(address?.host == host)
        #expect(address?.port == port)
        #expect(address?.description == text)
    }

    @Test(arguments: ["9470", ":", ":99999", "::1:9470", "[::1]", "host:port", "a b:1", "[]:1"])
    func invalidListenAddresses(_ text: String) {
        #expect(ListenAddress(text) == nil)
    }

    @Test func expansionReadsVariablesDefaultsAndEscapes() {
        let expansion = EnvironmentExpansion(environment: ["HOST": "db", "EMPTY": ""])
        #expect(expansion.expand("postgres://${HOST}:5432") == .success("postgres://db:5432"))
        #expect(expansion.expand("${PORT:-5432}") == .success("5432"))
        #expect(expansion.expand("${EMPTY:-fallback}") == .success("fallback"))
        #expect(expansion.expand("${EMPTY}") == .success(""))
        #expect(expansion.expand("cost: $$5 and $HOME") == .success("cost: $5 and $HOME"))
        #expect(expansion.expand("${HOST:-a:-b}") == .success("db"))
        #expect(expansion.expand("${MISSING:-a:-b}") == .success("a:-b"))
        #expect(expansion.expand("${MISSING:-${HOST:-x}}/api") == .success("db/api"))
        #expect(expansion.expand("${MISSING:-${ALSO_MISSING:-http://127.0.0.1:8080}}") == .success("http://127.0.0.1:8080"))
        #expect(expansion.expand("${MISSING:-${ALSO_MISSING}}") == .failure(.unset(name: "ALSO_MISSING")))
    }

    @Test func expansionFailuresAreNamed() {
        let expansion = EnvironmentExpansion(environment: [:])
        #expect(expansion.expand("${MISSING}") == .failure(.unset(name: "MISSING")))
        #expect(expansion.expand("${OPEN") == .failure(.unterminated))
        #expect(expansion.expand("${1BAD}") == .failure(.badName("1BAD")))
    }

    @Test func secretsDescribeThemselvesAsRedacted() {
        let secret = Secret(value: "hunter2", source: .inline)
        #expect("\(secret)" == "<secret>")
        #expect(String(reflecting: secret) == "<secret>")
    }
}
