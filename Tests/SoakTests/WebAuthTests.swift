import Foundation
@testable import Soak
import SoakConfig
import Testing
import Synchronization

/// A bcrypt hash of `password` made by Apache's htpasswd (`$2y$`, as most web config files hold).
func htpasswdHash(_ password: String, cost: Int = 4) throws -> String {
    let htpasswd = try Executables.required("htpasswd", package: "apache2-utils")
    let output = try Command.run(htpasswd, ["-nbBC", String(cost), "", password])
    guard output.status == 0 else { throw HTTP.Failure(description: "htpasswd: \(output.stderr)") }
    return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ":"))
}

/// `basic_auth_users` from YAML, as the daemon reads them.
func users(_ entries: [(String, String)]) throws -> [BasicAuthUser] {
    let yaml = "basic_auth_users:\n" + entries.map { "  \($0.0): '\($0.1)'" }.joined(separator: "\n")
    return try WebConfigFile.parse(yaml: yaml, file: "users.yml", baseDirectory: "/").basicAuthUsers
}

@Suite("--web.config.file: basic auth, in process", .timeLimit(.minutes(1)))
struct BasicAuthTests {
    /// bcrypt from hummingbird-auth, counted.
    final class CountingCheck: Sendable {
        let calls = Mutex(0)
        var count: Int { calls.withLock { $0 } }
        func check(_ password: String, _ hash: String) -> Bool {
            calls.withLock { $0 += 1 }
            return BasicAuthenticator.bcrypt(password, hash)
        }
    }

    @Test func htpasswdHashesCheckAndAWrongUserCostsOneBcryptLikeAWrongPassword() async throws {
        let counting = CountingCheck()
        let authenticator = BasicAuthenticator(check: counting.check)
        let hashes = [try htpasswdHash("alice-pw"), try htpasswdHash("bob-pw", cost: 5)]
        let configured = BasicAuthUsers(try users([("alice", hashes[0]), ("bob", hashes[1])]))
        #expect(configured.unknownUserHash == BasicAuthUsers.checkable(hashes[1]), "an unknown user is checked against the costliest hash")

        #expect(await authenticator.authenticate(user: "alice", password: "alice-pw", users: configured))
        #expect(counting.count == 1)
        #expect(await !authenticator.authenticate(user: "alice", password: "wrong", users: configured))
        #expect(counting.count == 2, "a wrong password costs one bcrypt")
        #expect(await !authenticator.authenticate(user: "mallory", password: "wrong", users: configured))
        #expect(counting.count == 3, "a wrong user costs one bcrypt too")
        for _ in 0..<3 {
            #expect(await authenticator.authenticate(user: "alice", password: "alice-pw", users: configured))
            #expect(await !authenticator.authenticate(user: "mallory", password: "wrong", users: configured))
        }
        #expect(counting.count == 3, "each distinct credential is checked once")
        #expect(await authenticator.cache.checks == 3)
    }

    @Test func concurrentRequestsWithOneCredentialShareOneCheck() async throws {
        let counting = CountingCheck()
        let authenticator = BasicAuthenticator(check: counting.check)
        let configured = BasicAuthUsers(try users([("alice", try htpasswdHash("alice-pw"))]))
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { await authenticator.authenticate(user: "alice", password: "alice-pw", users: configured) } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 20 && results.allSatisfy { $0 })
        #expect(counting.count == 1)
    }

    /// CVE-2022-46146: exporter-toolkit's cache key was user + hash + password run together, so a
    /// failed login by an unknown user named "alice<alice's hash>" with the dummy password cached a
    /// success that "alice" with the password "<dummy hash>fakepassword" then hit. Here the dummy
    /// hash is set to one whose password is known, to make the first step's bcrypt succeed as it did there.
    @Test func cve2022_46146ACachedVerdictNeverAnswersForAnotherCredential() async throws {
        let counting = CountingCheck()
        let authenticator = BasicAuthenticator(check: counting.check)
        let alice = BasicAuthUsers.checkable(try htpasswdHash("alice-pw"))
        let dummy = BasicAuthUsers.checkable(try htpasswdHash("fakepassword"))
        let configured = BasicAuthUsers(try users([("alice", alice)]), unknownUserHash: dummy)

        // Poison: an unknown user whose bcrypt check succeeds against the dummy hash.
        #expect(await !authenticator.authenticate(user: "alice" + alice, password: "fakepassword", users: configured))
        // The second login's user, hash and password run together are the first's, byte for byte...
        #expect(Array(("alice" + alice).utf8) + Array(dummy.utf8) + Array("fakepassword".utf8)
            == Array("alice".utf8) + Array(alice.utf8) + Array((dummy + "fakepassword").utf8))
        // ...but the cache keys differ, so it gets a check of its own, which fails.
        #expect(await !authenticator.authenticate(user: "alice", password: dummy + "fakepassword", users: configured))
        #expect(counting.count == 2)
        #expect(
            CredentialCache.key(user: Array(("alice" + alice).utf8), hash: dummy, password: Array("fakepassword".utf8))
                != CredentialCache.key(user: Array("alice".utf8), hash: alice, password: Array((dummy + "fakepassword").utf8)))
        #expect(await authenticator.authenticate(user: "alice", password: "alice-pw", users: configured))
    }

    @Test func oneUsersPasswordNeverLogsInAnotherUser() async throws {
        let authenticator = BasicAuthenticator()
        // Alice is the costliest, so an unknown user is checked against her very hash.
        let configured = BasicAuthUsers(try users([("alice", try htpasswdHash("alice-pw", cost: 5)), ("bob", try htpasswdHash("bob-pw"))]))
        #expect(await authenticator.authenticate(user: "alice", password: "alice-pw", users: configured))
        #expect(await !authenticator.authenticate(user: "bob", password: "alice-pw", users: configured))
        #expect(await !authenticator.authenticate(user: "mallory", password: "alice-pw", users: configured))
        #expect(await !authenticator.authenticate(user: "Alice", password: "alice-pw", users: configured))
        #expect(await !authenticator.authenticate(user: "alice\u{0}x", password: "alice-pw", users: configured))
        #expect(await !authenticator.authenticate(user: "alice", password: "alice-pw\u{0}", users: configured))
        #expect(await authenticator.authenticate(user: "bob", password: "bob-pw", users: configured))
    }

    @Test func basicCredentialsAreReadAsRFC7617WritesThem() {
        #expect(BasicAuthenticator.credentials("Basic YWxpY2U6cHc6d2l0aDpjb2xvbnM=")! == ("alice", "pw:with:colons"))
        #expect(BasicAuthenticator.credentials("basic YWxpY2U6")! == ("alice", ""))
        #expect(BasicAuthenticator.credentials("Bearer YWxpY2U6cHc=") == nil)
        #expect(BasicAuthenticator.credentials("Basic not-base64!") == nil)
        #expect(BasicAuthenticator.credentials("Basic YWxpY2U=") == nil, "no colon")
        #expect(BasicAuthenticator.credentials(nil) == nil)
    }

    @Test func namesCompareEquallyLongWhereverTheyDiffer() {
        #expect(BasicAuthUsers.constantTimeEquals(Array("alice".utf8), Array("alice".utf8)))
        #expect(!BasicAuthUsers.constantTimeEquals(Array("alice".utf8), Array("alicf".utf8)))
        #expect(!BasicAuthUsers.constantTimeEquals(Array("alice".utf8), Array("alic".utf8)))
        #expect(!BasicAuthUsers.constantTimeEquals([], Array("a".utf8)))
        #expect(BasicAuthUsers.constantTimeEquals([], []))
    }

    @Test func theRateLimitIsATokenBucket() throws {
        let config = try #require(try WebConfigFile.parse(yaml: "rate_limit: {interval: 1s, burst: 2}", file: "r.yml", baseDirectory: "/").rateLimit)
        let start = ContinuousClock.now
        let limiter = RateLimiter(config, now: start)
        #expect(limiter.allow(now: start) && limiter.allow(now: start))
        #expect(!limiter.allow(now: start + .milliseconds(500)))
        #expect(limiter.allow(now: start + .milliseconds(1000)))
        #expect(!limiter.allow(now: start + .milliseconds(1001)))
        #expect(limiter.allow(now: start + .seconds(10)) && limiter.allow(now: start + .seconds(10)) && !limiter.allow(now: start + .seconds(10)))
    }
}
