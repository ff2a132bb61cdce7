internal import CCurl
internal import CLinux
internal import Foundation
internal import Logging
internal import ServiceLifecycle
import Synchronization

/// The HTTP client and traffic engine: one event-loop thread that owns time. It drives libcurl's
/// socket interface with epoll and a timerfd armed for the earliest due event: a scenario's next
/// arrival, a virtual user's next send, libcurl's own timeout. Scenarios run on that thread (see
/// ``ScenarioDriver``): each request is rendered, started, judged and recorded there, with no task,
/// continuation or queue hop. Other threads hand in work through a queue and an eventfd: probes'
/// requests (``send(_:)``), scenarios to run or stop.
///
/// A swift-service-lifecycle `Service` with one owner: its thread starts in ``run()``, and at graceful
/// shutdown (it is the last service to stop) it stops every scenario, lets requests in flight finish
/// within the grace period, abandons the rest and ends. Nothing else closes it.
final class HTTPClient: Service, Sendable {
    /// Work handed to the loop from other threads.
    enum Command: Sendable {
        case send(OutgoingRequest, token: UInt64, completion: @Sendable (HTTPOutcome) -> Void)
        case cancel(token: UInt64)
        /// Runs the scenario, replacing a running one of the same name in one step (no gap, no overlap).
        case run(ScenarioRun)
        /// Stops the scenario unless a newer run has replaced it.
        case stop(ScenarioRun)
        /// Stops the scenarios, finishes what is in flight until the deadline, then ends the loop.
        case shutdown(deadline: ContinuousClock.Instant)
    }

    private struct Queue {
        var commands: [Command] = []
        var accepting = true
    }

    private struct Lifecycle {
        var started = false
        var shutdownRequested = false
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let grace: Duration
    private let loop: LoopBox
    private let queue = Mutex(Queue())
    private let lifecycle = Mutex(Lifecycle())
    private let active = Atomic<Int>(0)
    private let tokens = Atomic<UInt64>(1)
    private let logger: Logger

    /// Makes the client; its thread starts in ``run()`` (or ``start()``). Fails only if libcurl,
    /// epoll, the timerfd or the eventfd cannot be set up.
    init(userAgent: String, grace: Duration = .seconds(3), logger: Logger = Logger(label: "soak")) throws(TransportFailure) {
        self.grace = grace
        self.logger = logger
        loop = LoopBox(try CurlLoop(userAgent: userAgent))
    }

    /// Requests sent and not yet complete.
    var inFlight: Int { active.load(ordering: .relaxed) }

    // MARK: Lifecycle

    func run() async throws {
        start()
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Starts the loop's thread (once).
    func start() {
        let first = lifecycle.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [loop, self] in
            // Named for `top -H` and `ps -L`; Foundation's Thread.name does not reach the system on Linux.
            soak_name_this_thread("soak-http")
            loop.value.run(client: self)
            let waiters = self.lifecycle.withLock { state in
                state.stopped = true
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Stops every scenario, lets requests in flight finish within the grace period, abandons the
    /// rest and ends the loop; returns once it has ended. Later calls wait for the same end.
    func shutdown() async {
        let deadline = ContinuousClock.now + grace
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (stopped, first) = lifecycle.withLock { state -> (Bool, Bool) in
                if state.stopped || !state.started { return (true, false) }
                state.waiters.append(continuation)
                defer { state.shutdownRequested = true }
                return (false, !state.shutdownRequested)
            }
            if stopped {
                continuation.resume()
                return
            }
            if first {
                queue.withLock { queue in
                    queue.accepting = false
                    queue.commands.append(.shutdown(deadline: deadline))
                }
                loop.value.wakeUp()
            }
        }
    }

    // MARK: Work for the loop

    /// Sends `request` and returns how it ended. Cancelling the calling task cancels the request.
    func send(_ request: OutgoingRequest) async -> HTTPOutcome {
        let token = tokens.add(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                submit(request, token: token) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            self.post(.cancel(token: token))
        }
    }

    /// Queues `request`; `completion` runs on the loop's thread when it ends. Once the client shuts
    /// down, it runs at once with a failure.
    func submit(_ request: OutgoingRequest, token: UInt64 = 0, completion: @escaping @Sendable (HTTPOutcome) -> Void) {
        guard post(.send(request, token: token, completion: completion)) else {
            completion(Self.cancelled("the HTTP client is shut down"))
            return
        }
    }

    /// Runs `scenario` on the loop, replacing the running one of the same name.
    func run(_ scenario: ScenarioRun) { post(.run(scenario)) }

    /// Stops `scenario` if it still runs (not replaced by a newer run of the same name).
    func stop(_ scenario: ScenarioRun) { post(.stop(scenario)) }

    /// Hands `command` to the loop; false once the client no longer accepts work.
    @discardableResult
    private func post(_ command: Command) -> Bool {
        let accepted = queue.withLock { queue -> Bool in
            guard queue.accepting else { return false }
            queue.commands.append(command)
            return true
        }
        if accepted { loop.value.wakeUp() }
        return accepted
    }

    // MARK: Called by the loop on its thread

    func takeCommands() -> [Command] {
        queue.withLock { queue in
            defer { queue.commands.removeAll(keepingCapacity: true) }
            return queue.commands
        }
    }

    func transferStarted() { active.add(1, ordering: .relaxed) }

    func transferEnded() { active.subtract(1, ordering: .relaxed) }

    func abandoned(_ count: Int) {
        logger.warning("requests still in flight at the end of the grace period are abandoned", metadata: ["in_flight": "\(count)"])
    }

    static func cancelled(_ message: String) -> HTTPOutcome {
        HTTPOutcome(
            status: 0, failure: TransportFailure(reason: .other, message: message), body: [], bodyTruncated: false,
            timings: PhaseTimings(), requestBytes: 0, responseBytes: 0, completedAt: .now)
    }
}

/// The loop, handed to its thread once; nothing else touches it but ``CurlLoop/wakeUp()``, which is
/// safe from any thread.
private struct LoopBox: @unchecked Sendable {
    let value: CurlLoop

    init(_ value: CurlLoop) { self.value = value }
}
