import Foundation
@testable import Soak
import Testing

@Suite("libcurl client against nginx and the fault server", .timeLimit(.minutes(2)))
struct HTTPClientTests {
    func client() throws -> HTTPClient {
        let client = try HTTPClient(userAgent: "soak/0.1.0")
        client.start()
        return client
    }

    @Test func reusesTheConnectionAndReportsPhases() async throws {
        let nginx = try await Nginx()
        let client = try client()
        let tracker = ConnectionTracker()
        var request = OutgoingRequest(method: "GET", url: nginx.baseURL + "/ok")
        request.connections = tracker
        let first = await client.send(request)
        #expect(first.status == 200)
        #expect(first.failure == nil)
        #expect(first.body == Array("ok\n".utf8))
        #expect(first.timings.newConnection)
        #expect(first.timings.total > .zero)
        #expect(first.requestBytes > 0 && first.responseBytes > 3)
        for _ in 0..<20 {
            let again = await client.send(request)
            #expect(again.status == 200)
            #expect(!again.timings.newConnection)
        }
        #expect(tracker.opened == 1)
        #expect(tracker.open == 1)
        await client.shutdown()
        #expect(tracker.open == 0)
    }

    @Test(arguments: [("/missing", 404), ("/broken", 500), ("/unavailable", 503), ("/created", 201), ("/moved", 302)])
    func statusCodesComeBackAsAnswers(_ path: String, _ status: Int) async throws {
        let nginx = try await Nginx()
        let client = try client()
        let outcome = await client.send(OutgoingRequest(method: "GET", url: nginx.baseURL + path))
        #expect(outcome.status == status)
        #expect(outcome.failure == nil)
        await client.shutdown()
    }

    @Test func redirectsAreFollowedOnlyWhenAsked() async throws {
        let nginx = try await Nginx()
        let client = try client()
        var request = OutgoingRequest(method: "GET", url: nginx.baseURL + "/moved")
        #expect(await client.send(request).status == 302)
        request.followRedirects = true
        let followed = await client.send(request)
        #expect(followed.status == 200)
        #expect(followed.body == Array("ok\n".utf8))
        await client.shutdown()
    }

    @Test func deadTargetIsAConnectFailure() async throws {
        let client = try client()
        let port = try freePort()
        let tracker = ConnectionTracker()
        var request = OutgoingRequest(method: "GET", url: "http://127.0.0.1:\(port)/")
        request.connections = tracker
        let outcome = await client.send(request)
        #expect(outcome.status == 0)
        #expect(outcome.failure?.reason == .connect)
        #expect(tracker.open == 0)
        await client.shutdown()
    }

    @Test func slowAnswerPastTheTimeoutIsATimeout() async throws {
        let server = try await FaultServer()
        let client = try client()
        var request = OutgoingRequest(method: "GET", url: server.baseURL + "/slow?ms=3000")
        request.timeout = .milliseconds(300)
        let started = ContinuousClock.now
        let outcome = await client.send(request)
        #expect(outcome.failure?.reason == .timeout)
        // completedAt is stamped on the curl thread, so a busy test runner cannot stretch it.
        #expect(outcome.completedAt - started < .seconds(2))
        await client.shutdown()
    }

    /// Each way a server can break an answer has its own reason, libcurl's words are kept, and a
    /// transfer that failed after its status line is never counted under that status.
    @Test(arguments: [
        ("/reset", TransportFailure.Reason.reset, "Connection reset by peer"),
        ("/empty", .reset, "Empty reply from server"),
        ("/garbage", .protocol, "HTTP/0.9"),
        ("/bad-chunked", .protocol, "chunked"),
        ("/huge-headers", .protocol, ""),
        ("/truncated", .bodyIncomplete, "990 bytes remaining"),
        ("/reset-mid-body", .bodyIncomplete, "Connection reset by peer"),
    ])
    func eachBrokenAnswerHasItsReason(_ path: String, _ reason: TransportFailure.Reason, _ words: String) async throws {
        let server = try await FaultServer()
        let client = try client()
        let outcome = await client.send(OutgoingRequest(method: "GET", url: server.baseURL + path))
        #expect(outcome.failure?.reason == reason, "\(path): \(String(describing: outcome.failure))")
        #expect(words.isEmpty || outcome.failure?.message.contains(words) == true, "\(path): \(String(describing: outcome.failure))")
        #expect(outcome.failure?.message.isEmpty == false)
        #expect(outcome.codeLabel == 0, "\(path) saw status \(outcome.status)")
        await client.shutdown()
    }

    @Test func hugeBodyIsCappedButCountedInFull() async throws {
        let server = try await FaultServer()
        let client = try client()
        var request = OutgoingRequest(method: "GET", url: server.baseURL + "/huge?bytes=3000000")
        request.maxResponseBytes = 1_000
        let outcome = await client.send(request)
        #expect(outcome.status == 200)
        #expect(outcome.failure == nil)
        #expect(outcome.body.count == 1_000)
        #expect(outcome.bodyTruncated)
        #expect(outcome.responseBytes >= 3_000_000)
        await client.shutdown()
    }

    @Test func sendsMethodBodyHeadersAuthAndUserAgent() async throws {
        let server = try await FaultServer()
        let client = try client()
        var request = OutgoingRequest(method: "PUT", url: server.baseURL + "/echo?x=1")
        request.body = Array(#"{"a":1}"#.utf8)
        request.headers = ["Content-Type: application/json", "X-Session-Id: 0123456789abcdef0123456789abcdef"]
        request.basicAuth = ("admin", "pa:ss")
        let outcome = await client.send(request)
        #expect(outcome.status == 200)
        let echoed = try #require(try JSONSerialization.jsonObject(with: Data(outcome.body)) as? [String: Any])
        let headers = try #require(echoed["headers"] as? [String: String])
        #expect(echoed["method"] as? String == "PUT")
        #expect(echoed["path"] as? String == "/echo?x=1")
        #expect(echoed["body"] as? String == #"{"a":1}"#)
        #expect(headers["user-agent"] == "soak/0.1.0")
        #expect(headers["x-session-id"] == "0123456789abcdef0123456789abcdef")
        #expect(headers["authorization"] == "Basic " + Data("admin:pa:ss".utf8).base64EncodedString())
        #expect(headers["expect"] == nil)

        var custom = OutgoingRequest(method: "GET", url: server.baseURL + "/echo")
        custom.headers = ["User-Agent: soak-user-7", "Authorization: Bearer t0ken"]
        let customEcho = try #require(try JSONSerialization.jsonObject(with: Data(await client.send(custom).body)) as? [String: Any])
        let customHeaders = try #require(customEcho["headers"] as? [String: String])
        #expect(customHeaders["user-agent"] == "soak-user-7")
        #expect(customHeaders["authorization"] == "Bearer t0ken")
        await client.shutdown()
    }

    @Test func tlsWithAClientCertificate() async throws {
        let certificates = try TestCertificates()
        let server = try await FaultServer(tls: (certificates.serverCert, certificates.serverKey, certificates.caCert))
        let client = try client()
        var request = OutgoingRequest(method: "GET", url: server.baseURL + "/echo")
        request.tls = .init(caFile: certificates.caCert, certFile: certificates.clientCert, keyFile: certificates.clientKey)
        let good = await client.send(request)
        #expect(good.status == 200, "\(String(describing: good.failure))")
        #expect(good.timings.tls > .zero)

        request.tls = .init(caFile: certificates.caCert)
        let withoutCertificate = await client.send(request)
        #expect(withoutCertificate.failure?.reason == .tls, "\(String(describing: withoutCertificate.failure))")

        request.tls = .init(certFile: certificates.clientCert, keyFile: certificates.clientKey)
        let unknownCA = await client.send(request)
        #expect(unknownCA.failure?.reason == .tls, "\(String(describing: unknownCA.failure))")

        request.tls = .init(certFile: certificates.clientCert, keyFile: certificates.clientKey, insecureSkipVerify: true)
        #expect(await client.send(request).status == 200)
        await client.shutdown()
    }

    @Test func http2IsUsedWhereTheServerOffersItOverTLS() async throws {
        let certificates = try TestCertificates()
        let nginx = try await Nginx(tls: certificates)
        let client = try client()
        let tracker = ConnectionTracker()
        var request = OutgoingRequest(method: "GET", url: nginx.baseURL + "/json")
        request.tls = .init(caFile: certificates.caCert)
        request.connections = tracker
        async let first = client.send(request)
        async let second = client.send(request)
        let answers = await [first, second]
        #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.map { "\($0.status) \(String(describing: $0.failure))" })")
        #expect(answers.contains { $0.timings.tls > .zero })
        #expect(nginx.protocolsSeen.suffix(2) == ["HTTP/2.0", "HTTP/2.0"])
        await client.shutdown()
    }

    @Test func failuresLeakNoSockets() async throws {
        let server = try await FaultServer()
        let client = try client()
        let deadPort = try freePort()
        let tracker = ConnectionTracker()
        for round in 0..<60 {
            let path = ["/reset", "/garbage", "/status/500"][round % 3]
            var faulty = OutgoingRequest(method: "GET", url: server.baseURL + path)
            faulty.connections = tracker
            _ = await client.send(faulty)
            var dead = OutgoingRequest(method: "GET", url: "http://127.0.0.1:\(deadPort)/")
            dead.connections = tracker
            _ = await client.send(dead)
        }
        // Every socket libcurl opened was closed, but for at most one kept-alive connection.
        #expect(tracker.opened >= 80)
        #expect(tracker.open <= 1, "sockets still open: \(tracker.open)")
        #expect(client.inFlight == 0)
        await client.shutdown()
        #expect(tracker.open == 0)
    }

    @Test func shutdownEndsRunningRequestsAndRefusesNewOnes() async throws {
        let server = try await FaultServer()
        let client = try client()
        async let slow = client.send(OutgoingRequest(method: "GET", url: server.baseURL + "/slow?ms=5000"))
        try await Task.sleep(for: .milliseconds(200))
        await client.shutdown()
        let outcome = await slow
        #expect(outcome.failure?.message == "soak is shutting down")
        let late = await client.send(OutgoingRequest(method: "GET", url: server.baseURL + "/ok"))
        #expect(late.failure?.message == "the HTTP client is shut down")
    }
}
