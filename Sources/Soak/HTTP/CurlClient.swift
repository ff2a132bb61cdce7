internal import CCurl
internal import Foundation
import Synchronization

/// The HTTP client: one libcurl multi handle driven by one dedicated thread (`curl_multi_poll`,
/// woken by `curl_multi_wakeup`). Requests are handed in through a queue; each completion is delivered
/// to its callback on that thread, or resumed as an async result. The multi handle keeps connections
/// alive between requests, so requests to the same host reuse them.
final class CurlClient: Sendable {
    /// A submitted request waiting for the client's thread.
    struct Pending: Sendable {
        let request: OutgoingRequest
        let completion: @Sendable (HTTPOutcome) -> Void
    }

    /// The multi handle, shared with the thread; `curl_multi_wakeup` is safe from any thread.
    struct MultiHandle: @unchecked Sendable {
        let raw: UnsafeMutableRawPointer
    }

    private let multi: MultiHandle
    private let queue = Mutex<[Pending]>([])
    private let state = Mutex<(stopping: Bool, stopped: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, false, []))
    private let active = Atomic<Int>(0)

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Starts the client's thread. Fails only if libcurl cannot initialise.
    init(userAgent: String) throws(TransportFailure) {
        guard Self.globalInit == CURLE_OK, let raw = curl_multi_init() else {
            throw TransportFailure(reason: .other, message: "libcurl could not be initialised")
        }
        multi = MultiHandle(raw: raw)
        // Up to 8 connections per host (HTTP/1.1), and multiplexing on HTTP/2.
        _ = soak_curl_multi_setopt_long(raw, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = soak_curl_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, 1_024)
        let thread = Thread { [multi, self] in
            var loop = CurlLoop(multi: multi.raw, userAgent: userAgent)
            loop.run(client: self)
        }
        thread.name = "soak-curl"
        thread.start()
    }

    /// Requests sent and not yet complete.
    var inFlight: Int { active.load(ordering: .relaxed) }

    /// Queues `request`; `completion` runs on the client's thread when it ends. After `shutdown`,
    /// the completion runs at once with a failure.
    func submit(_ request: OutgoingRequest, completion: @escaping @Sendable (HTTPOutcome) -> Void) {
        let accepted = state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            active.add(1, ordering: .relaxed)
            queue.withLock { $0.append(Pending(request: request, completion: completion)) }
            return true
        }
        guard accepted else {
            completion(Self.cancelled("the HTTP client is shut down"))
            return
        }
        curl_multi_wakeup(multi.raw)
    }

    /// Sends `request` and returns how it ended.
    func send(_ request: OutgoingRequest) async -> HTTPOutcome {
        await withCheckedContinuation { continuation in
            submit(request) { continuation.resume(returning: $0) }
        }
    }

    /// Stops the thread: requests still running end with a failure, connections are closed.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                state.stopping = true
                if state.stopped { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() } else { curl_multi_wakeup(multi.raw) }
        }
    }

    // MARK: Called by the loop on the client's thread.

    fileprivate func takePending() -> [Pending] {
        queue.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }

    fileprivate var isStopping: Bool { state.withLock { $0.stopping } }

    fileprivate func completed() {
        active.subtract(1, ordering: .relaxed)
    }

    fileprivate func markStopped() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    static func cancelled(_ message: String) -> HTTPOutcome {
        HTTPOutcome(
            status: 0, failure: TransportFailure(reason: .other, message: message), body: [], bodyTruncated: false,
            timings: PhaseTimings(), requestBytes: 0, responseBytes: 0, completedAt: .now)
    }
}

/// The client thread's state: the transfers running, the reusable easy handles, and the targets'
/// connection trackers, kept alive while libcurl may still call their socket callbacks.
private struct CurlLoop {
    let multi: UnsafeMutableRawPointer
    let userAgent: String
    var running: [ObjectIdentifier: CurlTransfer] = [:]
    var spare: [CurlTransfer] = []
    var trackers: [ObjectIdentifier: ConnectionTracker] = [:]

    init(multi: UnsafeMutableRawPointer, userAgent: String) {
        self.multi = multi
        self.userAgent = userAgent
    }

    mutating func run(client: CurlClient) {
        while !client.isStopping {
            for pending in client.takePending() {
                start(pending, client: client)
            }
            var stillRunning: Int32 = 0
            curl_multi_perform(multi, &stillRunning)
            collectFinished(client: client)
            curl_multi_poll(multi, nil, 0, 1_000, nil)
        }
        for pending in client.takePending() {
            client.completed()
            pending.completion(CurlClient.cancelled("soak is shutting down"))
        }
        for transfer in running.values {
            curl_multi_remove_handle(multi, transfer.easy)
            complete(transfer, with: CurlClient.cancelled("soak is shutting down"), client: client)
        }
        running.removeAll()
        spare.removeAll()
        curl_multi_cleanup(multi)
        trackers.removeAll()
        client.markStopped()
    }

    private mutating func start(_ pending: CurlClient.Pending, client: CurlClient) {
        if let tracker = pending.request.connections {
            trackers[ObjectIdentifier(tracker)] = tracker
        }
        guard let transfer = spare.popLast() ?? CurlTransfer() else {
            client.completed()
            pending.completion(CurlClient.cancelled("libcurl could not create a handle"))
            return
        }
        if let failure = transfer.prepare(pending.request, userAgent: userAgent, completion: pending.completion) {
            var outcome = CurlClient.cancelled(failure.message)
            outcome.failure = failure
            complete(transfer, with: outcome, client: client)
            return
        }
        let added = curl_multi_add_handle(multi, transfer.easy)
        guard added == CURLM_OK else {
            complete(transfer, with: CurlClient.cancelled("curl_multi_add_handle: \(String(cString: curl_multi_strerror(added)))"), client: client)
            return
        }
        running[ObjectIdentifier(transfer)] = transfer
    }

    private mutating func collectFinished(client: CurlClient) {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = soak_curl_msg_result(message)
            var privatePointer: UnsafeMutableRawPointer?
            _ = soak_curl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privatePointer)
            curl_multi_remove_handle(multi, easy)
            guard let privatePointer else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(privatePointer).takeUnretainedValue()
            running[ObjectIdentifier(transfer)] = nil
            complete(transfer, with: transfer.outcome(code: code, completedAt: .now), client: client)
        }
    }

    /// Delivers `outcome` to the transfer's request, and keeps the handle for reuse (up to 256).
    private mutating func complete(_ transfer: CurlTransfer, with outcome: HTTPOutcome, client: CurlClient) {
        let completion = transfer.completion
        transfer.finish()
        if spare.count < 256 { spare.append(transfer) }
        client.completed()
        completion?(outcome)
    }
}
