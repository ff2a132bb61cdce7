import Foundation
import SoakConfig
import Testing

@Suite("Templates: compiled at load, rendered per request")
struct TemplateTests {
    static let scope = Template.Scope(pools: ["ids", "names"], hasUsers: true, environment: ["REGION": "eu-1"])

    static func render(_ text: String, seed: UInt64 = 1) throws -> String {
        let template = try Template.compile(text, scope: scope).get()
        var renderScope = Self.renderScope(seed: seed)
        return template.render(&renderScope)
    }

    static func renderScope(seed: UInt64) -> RenderScope {
        RenderScope(
            random: SeededRandom(seed: seed),
            user: VirtualUserIdentity(index: 7, id: "analyst-7", userClass: "heavy", sessionID: "0123456789abcdef0123456789abcdef"),
            pools: ["ids": [.integer(801), .integer(802)], "names": [.string("a\"b")]],
            now: Date(timeIntervalSince1970: 1_700_000_000))
    }

    static func compileError(_ text: String, _ scope: Template.Scope) -> String? {
        if case .failure(let error) = Template.compile(text, scope: scope) { return error.description }
        return nil
    }

    @Test func rendersEveryFunction() throws {
        #expect(try Self.render("/u/{{ user.id }}/{{ user.index }}/{{ user.class }}") == "/u/analyst-7/7/heavy")
        #expect(try Self.render("{{ session_id }}") == "0123456789abcdef0123456789abcdef")
        #expect(try Self.render("{{ now }}") == "2023-11-14T22:13:20Z")
        #expect(try Self.render("{{ now \"-2h\" }}") == "2023-11-14T20:13:20Z")
        #expect(try Self.render("{{ now \"+1d\" }}") == "2023-11-15T22:13:20Z")
        #expect(try Self.render("{{ env \"REGION\" }}") == "eu-1")
        #expect(try Self.render("{{ \"{{\" }} literal }}") == "{{ literal }}")
        #expect(try Self.render("no expressions") == "no expressions")
        for seed in 0..<200 {
            let number = try #require(Int(try Self.render("{{ randint 800 1000 }}", seed: UInt64(seed))))
            #expect((800...1000).contains(number))
            #expect(["a", "b c"].contains(try Self.render("{{ choice \"a\" \"b c\" }}", seed: UInt64(seed))))
            #expect(["801", "802"].contains(try Self.render("{{ pool \"ids\" }}", seed: UInt64(seed))))
            let uuid = try Self.render("{{ uuid }}", seed: UInt64(seed))
            #expect(UUID(uuidString: uuid) != nil && uuid == uuid.lowercased() && uuid.dropFirst(14).first == "4")
            let ip = try Self.render("{{ private_ip }}", seed: UInt64(seed)).split(separator: ".").compactMap { Int($0) }
            #expect(ip.count == 4)
            #expect(ip[0] == 10 || (ip[0] == 172 && (16...31).contains(ip[1])) || (ip[0] == 192 && ip[1] == 168))
        }
    }

    @Test func sameSeedSameOutput() throws {
        let text = "{{ uuid }} {{ randint 1 1000000 }} {{ private_ip }}"
        #expect(try Self.render(text, seed: 99) == Self.render(text, seed: 99))
        #expect(try Self.render(text, seed: 99) != Self.render(text, seed: 100))
    }

    @Test(arguments: [
        ("{{ uid }}", #"unknown function "uid" (known: uuid, session_id, user.id, user.index, user.class, arrival.index, randint, choice, now, pool, env, private_ip)"#),
        ("{{ uuid", #""{{" without a closing "}}"; write {{ "{{" }} for literal braces"#),
        ("{{ }}", "an empty {{ }}; write an expression such as {{ uuid }}"),
        ("{{ randint 5 }}", "randint takes two whole numbers, e.g. {{ randint 800 1000 }}"),
        ("{{ randint 9 1 }}", "randint 9 1: the first number must not be larger"),
        ("{{ choice a b }}", #"choice takes quoted strings, e.g. {{ choice "a" "b" }}"#),
        ("{{ choice }}", "choice needs at least one quoted string"),
        ("{{ now \"soon\" }}", #"now "soon": invalid duration; write a number and a unit (us, ms, s, m, h, d), largest unit first, e.g. 500us, 0.5ms, 30s or 1h30m, with - for the past"#),
        ("{{ pool \"missing\" }}", #"pool "missing" is not defined in this scenario's pools (defined: ids, names)"#),
        ("{{ env \"NOPE\" }}", "environment variable NOPE is not set; set it before soak starts"),
        ("{{ uuid 1 }}", "uuid takes no arguments"),
        ("{{ \"open }}", "a string without its closing quote"),
    ])
    func compileErrorsSayWhatIsWrong(_ text: String, _ message: String) {
        #expect(Self.compileError(text, Self.scope) == message)
    }

    @Test func userFunctionsNeedVirtualUsers() {
        let openScope = Template.Scope(pools: [], hasUsers: false, environment: [:])
        #expect(Self.compileError("{{ user.index }}", openScope) == "user.index needs virtual users; use it in a scenario with users and user_count")
        #expect((try? Template.compile("{{ uuid }}", scope: openScope).get()) != nil)
    }

    @Test func jsonBodiesKeepNumbersAndEscapeStrings() throws {
        let yaml = """
            targets: { api: { url: "http://127.0.0.1:1" } }
            scenarios:
              - name: s
                target: api
                user_count: 1
                users: [{ name: u, weight: 1, wait: 1s }]
                pools:
                  ids: { values: [801, 802] }
                  names: { values: ['a"b'] }
                requests:
                  - name: r
                    method: POST
                    path: /r
                    body: { id: "{{ pool \\"ids\\" }}", name: "{{ pool \\"names\\" }}", index: "{{ user.index }}", label: "u-{{ user.index }}", n: 2.5, ok: true, none: null, list: ["x", 3] }
            """
        let config = try ConfigLoader.parse(yaml: yaml, file: "inline.yaml", baseDirectory: "/", environment: [:])
        guard case .json(let body)? = config.scenarios.first?.requests.first?.request.body else {
            Issue.record("expected a JSON body")
            return
        }
        var scope = Self.renderScope(seed: 5)
        let rendered = String(decoding: body.render(&scope), as: UTF8.self)
        #expect(rendered.hasPrefix(#"{"id":80"#))
        #expect(rendered.hasSuffix(#","name":"a\"b","index":7,"label":"u-7","n":2.5,"ok":true,"none":null,"list":["x",3]}"#))
        #expect((try? JSONSerialization.jsonObject(with: Data(rendered.utf8))) != nil)
    }

    @Test(arguments: [
        ("status", #"{"status":"ok"}"#, "ok"),
        ("items[1].id", #"{"items":[{"id":1},{"id":2}]}"#, "2.0"),
        ("online_workers.length()", #"{"online_workers":[{},{},{}]}"#, "3.0"),
        ("database_connection.connected", #"{"database_connection":{"connected":true}}"#, "1.0"),
    ])
    func jsonPathsReadValues(_ path: String, _ json: String, _ expected: String) throws {
        let parsed = try JSONPath(parsing: path)
        let document = try JSONValue(parsing: json.utf8)
        if let number = parsed.number(in: document) {
            #expect(String(number) == expected)
        } else {
            #expect(parsed.value(in: document)?.string == expected)
        }
    }

    @Test(arguments: ["", "a..b", "a[x]", "length().a", "a]"])
    func badJSONPathsAreRejected(_ path: String) {
        #expect(throws: TemplateError.self) { try JSONPath(parsing: path) }
    }
}
