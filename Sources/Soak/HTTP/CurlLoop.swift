internal import CCurl
internal import CLinux
internal import Foundation
internal import SoakConfig
#if canImport(Glibc)
import Glibc
#endif

/// Who gets a transfer's outcome: a scenario's driver on the loop, or a caller waiting elsewhere.
enum TransferOwner {
    case scenario(ScenarioTransfer)
    case caller(@Sendable (HTTPOutcome) -> Void)
}

/// The event loop's state, on its thread only (but ``wakeUp()``): libcurl's multi handle driven
/// through its socket interface, epoll over libcurl's sockets, a timerfd for the earliest due event,
/// an eventfd other threads wake it with, the timer heap, the running scenarios and transfers.
final class CurlLoop {
    private static let timerToken = UInt64.max
    private static let wakeToken = UInt64.max - 1

    private let multi: UnsafeMutableRawPointer
    private let userAgent: String
    private let epoll: Int32
    private let timer: Int32
    private let wake: Int32
    /// When the timerfd will fire, if armed.
    private var armedFor: ContinuousClock.Instant?
    private var timers = TimerHeap<LoopEvent>()
    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)`.
    private var curlDeadline: ContinuousClock.Instant?
    private var watched: Set<Int32> = []
    private var running: [ObjectIdentifier: CurlTransfer] = [:]
    private var spare: [CurlTransfer] = []
    /// Kept alive while libcurl may still call their socket callbacks.
    private var trackers: [ObjectIdentifier: ConnectionTracker] = [:]
    private var drivers: [Int: any ScenarioDriver] = [:]
    private var scenarioIDs: [String: Int] = [:]
    private var nextDriverID = 1
    private var drainUntil: ContinuousClock.Instant?
    private weak var client: HTTPClient?

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    init(userAgent: String) throws(TransportFailure) {
        guard Self.globalInit == CURLE_OK, let multi = curl_multi_init() else {
            throw TransportFailure(reason: .other, message: "libcurl could not be initialised")
        }
        let epoll = soak_epoll_create()
        let timer = soak_timerfd_create()
        let wake = soak_eventfd_create()
        guard epoll >= 0, timer >= 0, wake >= 0,
            soak_epoll_add(epoll, timer, SOAK_EPOLL_IN, Self.timerToken) == 0,
            soak_epoll_add(epoll, wake, SOAK_EPOLL_IN, Self.wakeToken) == 0
        else {
            let reason = String(cString: strerror(errno))
            for descriptor in [epoll, timer, wake] where descriptor >= 0 { close(descriptor) }
            curl_multi_cleanup(multi)
            throw TransportFailure(reason: .other, message: "the event loop could not be set up: \(reason)")
        }
        self.multi = multi
        self.userAgent = userAgent
        self.epoll = epoll
        self.timer = timer
        self.wake = wake
        // Multiplexing on HTTP/2; on HTTP/1.1 libcurl opens a connection per request in flight and keeps them alive.
        _ = soak_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = soak_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 1_024)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = soak_curl_multi_setopt_socket_function(multi, curlSocketCallback)
        _ = soak_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
        _ = soak_curl_multi_setopt_timer_function(multi, curlTimerCallback)
        _ = soak_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
    }

    /// Wakes the loop to read its commands; safe from any thread.
    func wakeUp() {
        soak_eventfd_signal(wake)
    }

    // MARK: The loop

    func run(client: HTTPClient) {
        self.client = client
        var events = [UInt32](repeating: 0, count: 256)
        var tokens = [UInt64](repeating: 0, count: 256)
        while true {
            let now = ContinuousClock.now
            takeCommands(client: client, at: now)
            fireDue(at: now)
            collectFinished(client: client)
            if let drainUntil, running.isEmpty || now >= drainUntil { break }
            armTimer()
            let count = events.withUnsafeMutableBufferPointer { events in
                tokens.withUnsafeMutableBufferPointer { soak_epoll_wait(epoll, events.baseAddress, $0.baseAddress, 256, -1) }
            }
            for index in 0..<max(0, Int(count)) {
                switch tokens[index] {
                case Self.timerToken:
                    soak_fd_drain(timer)
                    armedFor = nil
                case Self.wakeToken:
                    soak_fd_drain(wake)
                default:
                    socketReady(Int32(truncatingIfNeeded: tokens[index]), events: events[index])
                }
            }
            collectFinished(client: client)
        }
        finish(client: client)
    }

    /// Runs what is due: libcurl's timeout, then the scenarios' arrivals and users' sends.
    private func fireDue(at now: ContinuousClock.Instant) {
        runCurlTimeouts(at: now)
        var fired = false
        while let (_, event) = timers.popDue(at: now) {
            drivers[event.driver]?.fire(event, at: now, on: self)
            fired = true
        }
        // New transfers asked libcurl for a timeout of 0: start them now, not a loop turn later.
        if fired { runCurlTimeouts(at: .now) }
    }

    private func runCurlTimeouts(at now: ContinuousClock.Instant) {
        var rounds = 0
        while let deadline = curlDeadline, deadline <= now, rounds < 8 {
            curlDeadline = nil
            var stillRunning: Int32 = 0
            curl_multi_socket_action(multi, soak_curl_socket_timeout(), 0, &stillRunning)
            rounds += 1
        }
    }

    private func socketReady(_ socket: Int32, events: UInt32) {
        var mask: Int32 = 0
        if events & SOAK_EPOLL_IN != 0 { mask |= Int32(SOAK_CURL_CSELECT_IN) }
        if events & SOAK_EPOLL_OUT != 0 { mask |= Int32(SOAK_CURL_CSELECT_OUT) }
        if events & (SOAK_EPOLL_ERR | SOAK_EPOLL_HUP) != 0 { mask |= Int32(SOAK_CURL_CSELECT_ERR) }
        var stillRunning: Int32 = 0
        curl_multi_socket_action(multi, socket, mask, &stillRunning)
    }

    /// Arms the timerfd for the earliest of libcurl's timeout, the heap's next event and the end of
    /// a drain; only when that changed, so a steady rate does not cost a system call per turn.
    private func armTimer() {
        var next = timers.nextDeadline
        for deadline in [curlDeadline, drainUntil] {
            if let deadline, next.map({ deadline < $0 }) ?? true { next = deadline }
        }
        guard next != armedFor else { return }
        armedFor = next
        if let next {
            // From this instant, not the turn's start, so the work done since does not delay the timer.
            soak_timerfd_arm(timer, Int64((next - .now) / .nanoseconds(1)))
        } else {
            soak_timerfd_disarm(timer)
        }
    }

    // MARK: Commands

    private func takeCommands(client: HTTPClient, at now: ContinuousClock.Instant) {
        for command in client.takeCommands() {
            switch command {
            case .send(let request, let token, let completion):
                start(request, owner: .caller(completion), token: token, client: client)
            case .cancel(let token):
                cancel(token: token, client: client)
            case .run(let scenario):
                stopScenario(named: scenario.config.name)
                let id = nextDriverID
                nextDriverID += 1
                let driver: any ScenarioDriver
                switch scenario.config.workload {
                case .open(let model): driver = OpenDriver(id: id, run: scenario, model: model)
                case .closed(let model): driver = ClosedDriver(id: id, run: scenario, model: model)
                }
                drivers[id] = driver
                scenarioIDs[scenario.config.name] = id
                driver.begin(at: now, on: self)
            case .stop(let scenario):
                // Only the run it was started as: a run that replaced it under the same name keeps running.
                if let id = scenarioIDs[scenario.config.name], drivers[id]?.run === scenario { stopScenario(named: scenario.config.name) }
            case .shutdown(let deadline):
                for name in Array(scenarioIDs.keys) { stopScenario(named: name) }
                drainUntil = deadline
            }
        }
    }

    private func stopScenario(named name: String) {
        guard let id = scenarioIDs.removeValue(forKey: name), let driver = drivers[id] else { return }
        driver.stop()
        timers.removeAll { $0.driver == id }
        if driver.inFlight == 0 { drivers[id] = nil }
    }

    private func cancel(token: UInt64, client: HTTPClient) {
        guard token != 0, let transfer = running.values.first(where: { $0.token == token }) else { return }
        curl_multi_remove_handle(multi, transfer.easy)
        running[ObjectIdentifier(transfer)] = nil
        complete(transfer, with: HTTPClient.cancelled("cancelled: soak stopped waiting for it"), client: client)
    }

    // MARK: Transfers

    private func start(_ request: OutgoingRequest, owner: TransferOwner, token: UInt64 = 0, client: HTTPClient) {
        client.transferStarted()
        if let tracker = request.connections {
            trackers[ObjectIdentifier(tracker)] = tracker
        }
        guard let transfer = spare.popLast() ?? CurlTransfer() else {
            deliver(HTTPClient.cancelled("libcurl could not create a handle"), to: owner, client: client)
            return
        }
        if let failure = transfer.prepare(request, userAgent: userAgent, owner: owner, token: token) {
            var outcome = HTTPClient.cancelled(failure.message)
            outcome.failure = failure
            complete(transfer, with: outcome, client: client)
            return
        }
        let added = curl_multi_add_handle(multi, transfer.easy)
        guard added == CURLM_OK else {
            complete(transfer, with: HTTPClient.cancelled("curl_multi_add_handle: \(String(cString: curl_multi_strerror(added)))"), client: client)
            return
        }
        running[ObjectIdentifier(transfer)] = transfer
    }

    private func collectFinished(client: HTTPClient) {
        var remaining: Int32 = 0
        // One reading of the clock for the transfers finished in this turn.
        var completedAt: ContinuousClock.Instant?
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = soak_curl_msg_result(message)
            var privatePointer: UnsafeMutableRawPointer?
            _ = soak_curl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privatePointer)
            curl_multi_remove_handle(multi, easy)
            guard let privatePointer else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(privatePointer).takeUnretainedValue()
            running[ObjectIdentifier(transfer)] = nil
            let now = completedAt ?? .now
            completedAt = now
            complete(transfer, with: transfer.outcome(code: code, completedAt: now), client: client)
        }
    }

    /// Delivers `outcome` to the transfer's owner, and keeps the handle for reuse (up to 256).
    private func complete(_ transfer: CurlTransfer, with outcome: HTTPOutcome, client: HTTPClient) {
        let owner = transfer.owner
        transfer.finish()
        if spare.count < 256 { spare.append(transfer) }
        if let owner { deliver(outcome, to: owner, client: client) }
    }

    private func deliver(_ outcome: HTTPOutcome, to owner: TransferOwner, client: HTTPClient) {
        client.transferEnded()
        switch owner {
        case .caller(let completion):
            completion(outcome)
        case .scenario(let transfer):
            guard let driver = drivers[transfer.driver] else { return }
            driver.completed(transfer, outcome: outcome, at: outcome.completedAt, on: self)
            // A stopped scenario leaves once its last request has been recorded.
            if driver.inFlight == 0, scenarioIDs[driver.run.config.name] != transfer.driver { drivers[transfer.driver] = nil }
        }
    }

    /// The end: what is still in flight is abandoned with a failure; libcurl and the descriptors are closed.
    private func finish(client: HTTPClient) {
        if !running.isEmpty { client.abandoned(running.count) }
        for command in client.takeCommands() {
            if case .send(_, _, let completion) = command {
                client.transferStarted()
                deliver(HTTPClient.cancelled("soak is shutting down"), to: .caller(completion), client: client)
            }
        }
        for transfer in Array(running.values) {
            curl_multi_remove_handle(multi, transfer.easy)
            complete(transfer, with: HTTPClient.cancelled("soak is shutting down"), client: client)
        }
        running.removeAll()
        spare.removeAll()
        drivers.removeAll()
        curl_multi_cleanup(multi)
        trackers.removeAll()
        for descriptor in [epoll, timer, wake] { close(descriptor) }
    }

    // MARK: libcurl's callbacks

    /// libcurl wants `socket` watched for `what` (CURL_POLL_*), or no longer.
    fileprivate func watch(_ socket: Int32, what: Int32) {
        guard what != Int32(SOAK_CURL_POLL_REMOVE) else {
            if watched.remove(socket) != nil { _ = soak_epoll_remove(epoll, socket) }
            return
        }
        var events: UInt32 = 0
        if what == Int32(SOAK_CURL_POLL_IN) || what == Int32(SOAK_CURL_POLL_INOUT) { events |= SOAK_EPOLL_IN }
        if what == Int32(SOAK_CURL_POLL_OUT) || what == Int32(SOAK_CURL_POLL_INOUT) { events |= SOAK_EPOLL_OUT }
        if watched.insert(socket).inserted {
            if soak_epoll_add(epoll, socket, events, UInt64(UInt32(bitPattern: socket))) != 0, errno == EEXIST {
                _ = soak_epoll_modify(epoll, socket, events, UInt64(UInt32(bitPattern: socket)))
            }
        } else {
            _ = soak_epoll_modify(epoll, socket, events, UInt64(UInt32(bitPattern: socket)))
        }
    }

    /// libcurl wants its timeout handled in `milliseconds` (-1: none).
    fileprivate func setCurlTimeout(milliseconds: Int) {
        curlDeadline = milliseconds < 0 ? nil : .now + .milliseconds(milliseconds)
    }
}

extension CurlLoop: TransferStarter {
    func start(_ request: OutgoingRequest, for transfer: ScenarioTransfer) {
        guard let client else { return }
        start(request, owner: .scenario(transfer), client: client)
    }

    func schedule(_ event: LoopEvent, at deadline: ContinuousClock.Instant) {
        timers.schedule(event, at: deadline)
    }
}

private let curlSocketCallback: curl_socket_callback = { _, socket, what, userp, _ in
    guard let userp else { return 0 }
    Unmanaged<CurlLoop>.fromOpaque(userp).takeUnretainedValue().watch(socket, what: what)
    return 0
}

private let curlTimerCallback: curl_multi_timer_callback = { _, timeout, userp in
    guard let userp else { return 0 }
    Unmanaged<CurlLoop>.fromOpaque(userp).takeUnretainedValue().setCurlTimeout(milliseconds: timeout)
    return 0
}
