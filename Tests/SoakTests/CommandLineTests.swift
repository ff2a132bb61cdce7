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

    @Test func unknownLogLevelIsRejected() throws {
        let output = try Command.run(Executables.soak, ["run", "--log.level", "loud"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--log.level"))
    }
}
