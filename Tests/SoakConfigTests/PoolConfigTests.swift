import Foundation
@testable import SoakConfig
import Testing

@Suite("HTTP pools and bearer credentials with user ids")
struct PoolConfigTests {
    @Test func httpPoolsReadTheirRequestTargetAndFormat() throws {
        let config = try load("http-pools.yaml")
        let scenario = config.scenarios[0]
        let pools = Dictionary(uniqueKeysWithValues: scenario.pools.map { ($0.name, $0) })
        guard case .http(let bundles)? = pools["bundles"]?.source, case .http(let cases)? = pools["cases"]?.source,
            case .http(let paths)? = pools["paths"]?.source, case .http(let hosts)? = pools["hosts"]?.source
        else {
            Issue.record("every pool should be an http pool: \(scenario.pools)")
            return
        }
        #expect(bundles.target.name == "clickhouse" && bundles.target.maxResponseBytes == 16 << 20)
        #expect(bundles.request.query.map(\.name) == ["query"])
        let id = try JSONPath(parsing: "id")
        #expect(bundles.format == .jsonLines(id))
        #expect(bundles.fallback == (1...10).map { .integer($0) })
        // Without a target of its own, the pool asks the scenario's.
        let casePath = try JSONPath(parsing: "data[].case")
        #expect(cases.target.name == "api" && cases.format == .json(casePath))
        #expect(paths.request.method == "POST" && paths.request.timeout == .seconds(5) && paths.format == .csv(column: "path"))
        #expect(hosts.format == .tsv(column: "host"))
        // A bearer file with an id column: user i is the i-th row's id, with the i-th row's token.
        let credentials = try #require(scenario.credentials)
        #expect(credentials.ids == ["alice", "bob", "carol"])
        #expect(credentials.entries.map { if case .bearer(let token) = $0 { token.value } else { "" } } == ["tok-a", "tok-b", "tok-c"])
        #expect((0..<3).map { credentials.userID(at: $0) } == ["alice", "bob", "carol"])
        #expect(!config.redactedYAML.contains("tok-a"))
        #expect(config.redactedYAML.contains("format: jsonl"))
    }

    @Test func everyHTTPPoolAndCredentialsProblemIsNamed() {
        do {
            _ = try load("http-pool-errors.yaml")
            Issue.record("http-pool-errors.yaml loaded")
        } catch {
            #expect(error.problems.map(\.description).map { $0.replacingOccurrences(of: testdata, with: "TESTDATA") } == [
                #"http-pool-errors.yaml:8:26: scenarios[0].credentials.file: the header row of "TESTDATA/pools/users-other-header.csv" has no column "id" and "token" (it has "user", "secret"); with id_column the first row names the columns, e.g. id,token"#,
                "http-pool-errors.yaml:10:20: scenarios[0].pools.no_fallback: an http pool needs a fallback (values or range) for when the server cannot be reached",
                "http-pool-errors.yaml:11:18: scenarios[0].pools.no_format: an http pool needs format: json (with json_path), jsonl (with json_path), csv or tsv (with column)",
                #"http-pool-errors.yaml:12:49: scenarios[0].pools.bad_format.format: expected one of json, jsonl, csv, tsv, found "xml""#,
                "http-pool-errors.yaml:13:68: scenarios[0].pools.csv_with_path.json_path: a csv pool takes column, not json_path",
                "http-pool-errors.yaml:14:51: scenarios[0].pools.json_no_path: a json pool needs json_path, where the values are, e.g. data[].id",
                #"http-pool-errors.yaml:15:48: scenarios[0].pools.elsewhere.target: no target named "nowhere" (defined: api)"#,
                "http-pool-errors.yaml:16:37: scenarios[0].pools.plain.format: only http pools take format",
                "http-pool-errors.yaml:22:68: scenarios[1].credentials.id_column: only bearer credentials take id_column; a basic credential's user id is its username",
                "http-pool-errors.yaml:28:58: scenarios[2].credentials.token_column: needs id_column, the header of the column holding each token's user id",
            ])
        }
    }

    @Test func answersGiveTheirValuesInEachFormat() throws {
        func values(_ format: HTTPPoolSource.Format, _ body: String) -> Result<[TemplateValue], PoolAnswerError> {
            format.values(in: Array(body.utf8))
        }
        let path = try JSONPath(parsing: "data[].id")
        let ids = try JSONPath(parsing: "ids")
        let id = try JSONPath(parsing: "id")
        #expect(values(.json(path), #"{"meta": [], "data": [{"id": 7}, {"id": "8"}, {"id": "x-9"}, {"id": null}, {"id": true}], "rows": 5}"#)
            == .success([.integer(7), .integer(8), .string("x-9"), .string("true")]))
        #expect(values(.json(ids), #"{"ids": [1, 2.5, "three"]}"#) == .success([.integer(1), .string("2.5"), .string("three")]))
        #expect(values(.jsonLines(id), "{\"id\": 1}\n{\"id\": \"2\"}\r\n\n{\"other\": 3}\n") == .success([.integer(1), .integer(2)]))
        #expect(values(.csv(column: "path"), "id,path\n1,/a\n2,\"/b,c\"\n3,\n") == .success([.string("/a"), .string("/b,c")]))
        #expect(values(.tsv(column: "host"), "id\thost\n1\tweb-1\n2\tweb\\t2\n") == .success([.string("web-1"), .string("web\t2")]))

        #expect(values(.json(path), "<html>login</html>") == .failure(PoolAnswerError(description: "the answer is not JSON: <html>login</html>")))
        #expect(values(.jsonLines(id), "{\"id\": 1}\nnot json\n")
            == .failure(PoolAnswerError(description: "line 2 is not JSON: not json")))
        #expect(values(.csv(column: "path"), "id,file\n1,/a\n") == .failure(PoolAnswerError(description:
            #"the header row has no column "path" (it has "id", "file"); ask for a header row, e.g. FORMAT CSVWithNames"#)))
        #expect(values(.json(path), #"{"data": []}"#) == .failure(PoolAnswerError(description: #"the answer holds no values there: {"data": []}"#)))
    }
}
