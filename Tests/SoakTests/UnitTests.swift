import Foundation
import Logging
@testable import Soak
import Testing

@Suite("Accept-Encoding, /proc parsing, gzip and log lines")
struct UnitTests {
    @Test(arguments: [
        ("gzip", true), ("gzip, deflate, br", true), ("deflate, gzip;q=0.5", true), ("*", true), ("x-gzip", true),
        ("GZIP", true), ("gzip;q=0", false), ("identity", false), ("br", false), ("", false),
        ("*;q=0", false), ("gzip;q=0, *", false), ("*, gzip;q=0", false), ("identity, *;q=0.1", true),
    ])
    func acceptEncoding(_ header: String, _ allowsGzip: Bool) {
        #expect(AcceptEncoding.allowsGzip(header) == allowsGzip)
    }

    @Test func acceptEncodingAbsentMeansPlain() {
        #expect(!AcceptEncoding.allowsGzip(nil))
    }

    @Test func procFilesAreReadAsTheGoClientReadsThem() throws {
        let stat = "4242 (soak (worker) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 150 0 0 20 0 8 0 360000 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let systemStat = "cpu  1 2 3 4\nintr 5\nbtime 1700000000\nprocesses 42\n"
        let limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max open files            1024                 1048576              files
            """
        let stats = try #require(
            ProcessStats.parse(stat: stat, systemStat: systemStat, limits: limits, ticksPerSecond: 100, pageSize: 4096))
        #expect(stats.cpuSeconds == 4.0)
        #expect(stats.virtualMemoryBytes == 123_456_789)
        #expect(stats.residentMemoryBytes == 2048 * 4096)
        #expect(stats.startTimeSeconds == 1_700_000_000 + 3_600)
        #expect(stats.maxFileDescriptors == 1024)
    }

    @Test func procParsingRejectsTruncatedInput() {
        #expect(ProcessStats.parse(stat: "1 (x) S 1 2", systemStat: "btime 1\n", limits: "", ticksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessStats.current() != nil)
    }

    @Test(arguments: [0, 1, 1_000, 300_000])
    func gzipRoundTripsThroughTheGzipTool(_ size: Int) throws {
        let gzip = try Executables.required("gzip", package: "gzip")
        var generator = SystemRandomNumberGenerator()
        let input = (0..<size).map { index in index % 7 == 0 ? UInt8.random(in: 0...255, using: &generator) : UInt8(index % 31) }
        let compressed = try Gzip.compress(input)
        #expect(compressed.starts(with: [0x1f, 0x8b]))
        let output = try Command.run(gzip, ["-dc"], stdin: Data(compressed))
        #expect(output.status == 0)
        let raw = try Command.runRaw(gzip, ["-dc"], stdin: Data(compressed))
        #expect(Array(raw) == input)
    }

    @Test func logfmtQuotesAndEscapesOnlyWhenNeeded() {
        let line = SoakLogHandler.logfmt([("msg", "config reloaded"), ("file", "/etc/soak.yaml"), ("problem", "a \"b\"\nc"), ("empty", "")])
        #expect(line == #"msg="config reloaded" file=/etc/soak.yaml problem="a \"b\"\nc" empty="""# + "\n")
    }

    @Test func jsonLinesEscapeControlCharacters() throws {
        let line = SoakLogHandler.json([("msg", "tab\there"), ("x", "\u{1}quote\"")])
        #expect(line == #"{"msg":"tab\there","x":"\u0001quote\""}"# + "\n")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["x"] == "\u{1}quote\"")
    }

    @Test func levelsAreNamedAsExportersNameThem() {
        #expect(SoakLogHandler.name(of: .warning) == "warn")
        #expect(SoakLogHandler.name(of: .critical) == "error")
        #expect(SoakLogHandler.name(of: .notice) == "info")
        #expect(LogLevel.warn.loggerLevel == .warning)
    }

    @Test func statusPageEscapesHTML() {
        #expect(HTML.escape("<script>\"a\" & 'b'</script>") == "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;")
    }
}

@Suite("Merging registries into one exposition")
struct ExpositionMergeTests {
    /// A family may end one registry's text and begin the next one's (the case that once kept a
    /// second HELP line).
    @Test func eachFamilyAppearsOnceWithEverySample() {
        let text = """
            # HELP a_total A.
            # TYPE a_total counter
            a_total{x="1"} 1
            # TYPE b gauge
            b 2
            # HELP a_total A.
            # TYPE a_total counter
            a_total{x="2"} 3
            # HELP a_total A.
            # TYPE a_total counter
            a_total{x="3"} 4
            # HELP h_seconds H.
            # TYPE h_seconds histogram
            h_seconds_bucket{le="+Inf"} 1
            h_seconds_sum 0.5
            h_seconds_count 1

            """
        let merged = String(decoding: MetricRegistries.mergeFamilies(Array(text.utf8)), as: UTF8.self)
        #expect(merged == """
            # HELP a_total A.
            # TYPE a_total counter
            a_total{x="1"} 1
            a_total{x="2"} 3
            a_total{x="3"} 4
            # TYPE b gauge
            b 2
            # HELP h_seconds H.
            # TYPE h_seconds histogram
            h_seconds_bucket{le="+Inf"} 1
            h_seconds_sum 0.5
            h_seconds_count 1

            """)
    }

    /// One registry's last family is the next one's first: still one HELP and one TYPE line.
    @Test func aFamilyThatEndsOneRegistryAndStartsTheNextIsMergedToo() {
        let text = """
            # HELP a_total A.
            # TYPE a_total counter
            a_total{x="1"} 1
            # HELP a_total A.
            # TYPE a_total counter
            a_total{x="2"} 3

            """
        #expect(String(decoding: MetricRegistries.mergeFamilies(Array(text.utf8)), as: UTF8.self) == """
            # HELP a_total A.
            # TYPE a_total counter
            a_total{x="1"} 1
            a_total{x="2"} 3

            """)
    }
}
