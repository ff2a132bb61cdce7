import Foundation
import Testing

@Suite("soak check-config and soak version")
struct CommandLineTests {
    func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("soak-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkConfigPrintsEveryProblemWithItsPlaceAndExitsOne() throws {
        let path = try temporaryFile("web:\n  listen_address: nowhere\ntargets:\n  pulp:\n    url: https://p.example.com\n    timeout: 5x\n")
        let output = try Command.run(Executables.soak, ["check-config", path])
        #expect(output.status == 1)
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("\(path):2:19: web.listen_address: invalid address \"nowhere\"") == true)
        #expect(lines.last?.hasPrefix("\(path):6:14: targets.pulp.timeout: invalid duration \"5x\"") == true)
    }

    @Test func checkConfigSummarisesAGoodFileAndExitsZero() throws {
        let path = try temporaryFile("targets:\n  pulp:\n    url: https://p.example.com\n")
        let output = try Command.run(Executables.soak, ["check-config", path])
        #expect(output.status == 0)
        #expect(output.stdout.contains("\(path): OK"))
        #expect(output.stdout.contains("pulp: https://p.example.com, timeout 30s"))
    }

    @Test(arguments: [["--version"], ["version"]])
    func versionNamesTheRevisionAndSwift(_ arguments: [String]) throws {
        let output = try Command.run(Executables.soak, arguments)
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix("soak, version 0.1.0 (revision: "))
        #expect(output.stdout.contains("swift version: 6."))
        #expect(output.stdout.contains("libcurl: "))
        #expect(output.stdout.contains("libpq: "))
    }

    @Test func checkConfigPrintsTheEffectiveThresholds() throws {
        let path = try temporaryFile("""
            targets: { api: { url: "http://127.0.0.1:1" } }
            scenarios:
              - { name: s, target: api, rate: 1/s, thresholds: ["p95 < 0.5ms", "rate > 0.5/s"], requests: [{ name: r, path: / }] }
            """)
        let output = try Command.run(Executables.soak, ["check-config", path])
        #expect(output.status == 0)
        #expect(output.stdout.hasSuffix("thresholds: 2\n    s/r: p95 < 500us\n    s: rate > 0.5/s\n"), "\(output.stdout)")
    }

    @Test(arguments: [
        (["run", "--duration", "1s", "--csv-full-history"], "--csv-full-history needs --csv PREFIX"),
        (["run", "--csv", "out"], "--csv needs --duration: only a timed run has a summary"),
        (["run", "--allow-no-checks"], "--allow-no-checks needs --duration"),
        (["run", "--duration", "0"], "--duration: must be longer than 0"),
        (["run", "--duration", "1s", "--baseline.error-tolerance", "0.05"], "--baseline.error-tolerance"),
        (["run", "--duration", "1s", "--baseline.min-samples", "-1"], "--baseline.min-samples"),
        (["run", "--duration", "1 minute"], "--duration"),
        (["run", "--duration", "999999999999d"], "--duration: 999999999999d is longer than the limit of 30d; make it shorter"),
        (["run", "--shutdown.grace-period", "2h"], "--shutdown.grace-period: 2h is longer than the limit of 1h; make it shorter"),
    ])
    func badRunFlagsAreRefusedByName(_ arguments: [String], _ message: String) throws {
        let output = try Command.run(Executables.soak, arguments)
        #expect(output.status != 0)
        #expect(output.stderr.contains(message), "\(output.stderr)")
    }

    @Test func flagsTakeTheConfigsDurationSyntax() throws {
        let path = try temporaryFile("targets: {}\n")
        let output = try Command.run(
            Executables.soak,
            ["run", "--config.file", path, "--web.listen-address", "127.0.0.1:0", "--duration", "1.5s", "--shutdown.grace-period", "500ms", "--allow-no-checks"])
        #expect(output.status == 0, "\(output.stderr)")
        // The run lasted one and a half seconds.
        let seconds = output.stdout.split(separator: "\n").first.flatMap { line in
            line.split(separator: " ").first { $0.hasSuffix("s,") }.flatMap { Double($0.dropLast(2)) }
        }
        #expect(seconds.map { $0 >= 1.5 && $0 < 2.5 } == true, "\(output.stdout)")
    }

    @Test func unknownLogLevelIsRejected() throws {
        let output = try Command.run(Executables.soak, ["run", "--log.level", "loud"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--log.level"))
    }
}
