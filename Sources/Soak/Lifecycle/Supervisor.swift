internal import Logging
internal import ServiceLifecycle
import Synchronization

/// Runs one child per entry of a config section (scenarios, databases, HTTP probes) and keeps them in
/// step with the config the reload path hands it: a new entry starts, a removed one stops, a changed
/// one is prepared while the old one keeps running and then takes over; an unchanged one is left
/// alone. A swift-service-lifecycle `Service` with one owner: the children are tasks of a task group
/// its ``run()`` owns, so at graceful shutdown they are cancelled and awaited, and nothing outlives it.
final class Supervisor<Entry: Equatable & Sendable>: Service, Sendable {
    /// How a changed entry's new child takes over from the old one.
    enum Handover: Sendable {
        /// The old child stops (and has written what it must) before the new one starts: never two
        /// copies of a probe or hold.
        case stopFirst
        /// The new child starts first and replaces the old one in one step (a scenario on the event
        /// loop); the old child's stop then finds nothing of its own left to stop.
        case replaceInPlace
    }

    /// How the log names what is supervised: `scenario started`, `database probes stopped`.
    struct Naming: Sendable {
        let noun: String
        let metadata: @Sendable (Entry) -> Logger.Metadata
    }

    /// One ``apply(_:)`` call waiting for the run loop.
    private struct Request {
        let entries: [Entry]
        let done: CheckedContinuation<Void, Never>
    }

    /// Requests not yet taken by the run loop; `closed` once the run loop has ended.
    private struct Inbox {
        var pending: [UInt64: Request] = [:]
        var nextID: UInt64 = 0
        var closed = false
    }

    /// A running child: its entry, the signal that stops it and the one it fires once it has stopped.
    private struct Child {
        let entry: Entry
        let stop = Signal()
        let ended = Signal()
    }

    private let key: @Sendable (Entry) -> String
    private let prepare: @Sendable (Entry) async -> any Supervised
    private let handover: Handover
    private let naming: Naming
    private let logger: Logger
    private let inbox = Mutex(Inbox())
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    /// `key` names an entry uniquely within its section; `prepare` makes a child ready to run (it may
    /// take a while: a scenario loads its pools) while an older child of the same key keeps running.
    init(
        key: @escaping @Sendable (Entry) -> String, handover: Handover, naming: Naming, logger: Logger,
        prepare: @escaping @Sendable (Entry) async -> any Supervised
    ) {
        self.key = key
        self.handover = handover
        self.naming = naming
        self.logger = logger
        self.prepare = prepare
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Hands the section's entries to the supervisor; returns once they are applied. Returns at once
    /// when the supervisor has stopped, or when the caller is cancelled before its turn came.
    func apply(_ entries: [Entry]) async {
        let id = inbox.withLock { inbox -> UInt64 in
            defer { inbox.nextID += 1 }
            return inbox.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let accepted = inbox.withLock { inbox -> Bool in
                    guard !inbox.closed, !Task.isCancelled else { return false }
                    inbox.pending[id] = Request(entries: entries, done: done)
                    return true
                }
                if accepted { ring.yield() } else { done.resume() }
            }
        } onCancel: {
            inbox.withLock { $0.pending.removeValue(forKey: id) }?.done.resume()
        }
    }

    func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                var running: [String: Child] = [:]
                for await _ in self.doorbell {
                    let requests = self.inbox.withLock { inbox in
                        defer { inbox.pending.removeAll() }
                        return inbox.pending.sorted { $0.key < $1.key }.map(\.value)
                    }
                    for request in requests {
                        await self.apply(request.entries, running: &running, group: &group)
                        request.done.resume()
                    }
                }
                // Shutting down: the group's cancellation stops every child; the group awaits them.
            }
        }
        let left = inbox.withLock { inbox in
            inbox.closed = true
            defer { inbox.pending.removeAll() }
            return Array(inbox.pending.values)
        }
        for request in left { request.done.resume() }
    }

    private func apply(_ entries: [Entry], running: inout [String: Child], group: inout DiscardingTaskGroup) async {
        let wanted = Dictionary(entries.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        for (name, child) in running where wanted[name] == nil {
            await Self.stop(child)
            running[name] = nil
            logger.info("\(naming.noun) stopped", metadata: naming.metadata(child.entry))
        }
        for entry in entries {
            let name = key(entry)
            let old = running[name]
            guard old?.entry != entry else { continue }
            let work = await prepare(entry)
            guard !Task.isCancelled else { return }
            if let old, handover == .stopFirst { await Self.stop(old) }
            let child = Child(entry: entry)
            work.start()
            group.addTask {
                // The work runs until the child is told to stop or the group is cancelled.
                await withDiscardingTaskGroup { inner in
                    inner.addTask { await work.run() }
                    await child.stop.wait()
                    inner.cancelAll()
                }
                child.ended.fire()
            }
            running[name] = child
            if let old, handover == .replaceInPlace { await Self.stop(old) }
            logger.info(old == nil ? "\(naming.noun) started" : "\(naming.noun) restarted with its new config", metadata: naming.metadata(entry))
        }
    }

    private static func stop(_ child: Child) async {
        child.stop.fire()
        await child.ended.wait()
    }
}
