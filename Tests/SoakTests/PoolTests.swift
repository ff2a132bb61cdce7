import Foundation
import Testing

@Suite("Pools loaded over HTTP, and bearer credentials with their users' ids", .timeLimit(.minutes(2)))
struct PoolTests {
    @Test func poolsComeFromEachAnswerFormatOrTheirFallbackAndUsersAreTheirTokensUsers() async throws {
        let server = try await FaultServer(logRequests: true)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-pools-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "id,token\nalice,tok-a\nbob,tok-b\ncarol,tok-c\n".write(toFile: "\(directory)/users.csv", atomically: true, encoding: .utf8)
        func pool(_ format: String, _ field: String) -> String {
            #"{ http: { path: /pool, query: { format: \#(format) } }, target: clickhouse, format: \#(format), \#(field), fallback: { values: [0] } }"#
        }
        let soak = try await RunningSoak(config: """
            targets:
              api: { url: "\(server.baseURL)" }
              clickhouse: { url: "\(server.baseURL)" }
              down: { url: "http://127.0.0.1:1", connect_timeout: 1s }
            scenarios:
              - name: watchers
                target: api
                user_count: 3
                users: [{ name: viewer, weight: 1, wait: 100ms }]
                credentials: { file: \(directory)/users.csv, id_column: id }
                pools:
                  from_json: \(pool("json", #"json_path: "data[].id""#))
                  from_jsonl: \(pool("jsonl", "json_path: id"))
                  from_csv: \(pool("csv", "column: id"))
                  from_tsv: \(pool("tsv", "column: id"))
                  unreachable: { http: { path: /pool }, target: down, format: jsonl, json_path: id, fallback: { values: [fallback-1, fallback-2] } }
                requests:
                  - name: history
                    path: /echo
                    query: { a: '{{ pool "from_json" }}', b: '{{ pool "from_jsonl" }}', c: '{{ pool "from_csv" }}', d: '{{ pool "from_tsv" }}', e: '{{ pool "unreachable" }}' }
                    headers: { X-User: "{{ user.id }}" }
            """)
        let echoes: @Sendable () -> [[String: Any]] = { server.loggedRequests().filter { ($0["path"] as? String)?.hasPrefix("/echo") == true } }
        #expect(try await eventually(timeout: .seconds(20)) { echoes().count >= 15 }, "log:\n\(soak.log)")
        #expect(try soak.value("soak_pool_fallbacks_total", ["scenario": "watchers", "pool": "unreachable"]) == 1)
        for name in ["from_json", "from_jsonl", "from_csv", "from_tsv"] {
            #expect(try soak.value("soak_pool_fallbacks_total", ["scenario": "watchers", "pool": name]) == 0, "\(name) fell back")
        }
        #expect(soak.log.contains(#"msg="pool could not be loaded from down; using the fallback values""#))
        #expect(soak.log.contains("connect: Failed to connect to 127.0.0.1 port 1"))
        let ids = Set(["101", "102", "103", "104", "105"])
        var users: Set<String> = []
        for request in echoes() {
            let query = URLComponents(string: request["path"] as? String ?? "")?.queryItems ?? []
            let values = Dictionary(query.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
            for name in ["a", "b", "c", "d"] { #expect(ids.contains(values[name] ?? ""), "\(name): \(values)") }
            #expect(["fallback-1", "fallback-2"].contains(values["e"] ?? ""), "\(values)")
            // Each user's id is the id on its token's row.
            let headers = request["headers"] as? [String: String] ?? [:]
            let user = headers["x-user"] ?? ""
            users.insert(user)
            #expect(["alice": "Bearer tok-a", "bob": "Bearer tok-b", "carol": "Bearer tok-c"][user] == headers["authorization"], "\(headers)")
        }
        #expect(users == ["alice", "bob", "carol"])
    }
}
