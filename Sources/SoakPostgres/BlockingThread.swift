internal import CLinux
internal import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A thread of soak's own for blocking work (libpq's waits, fsync, bcrypt), so Swift's cooperative
/// pool never blocks. It runs the jobs given to it one at a time, in order, until it is ended, then
/// exits on its own (it is detached: nobody waits for it, on Swift's pool least of all):
/// ``run(name:_:)`` gives one job a thread for its duration; a `PostgresConnection` keeps one for
/// its whole life, so every libpq call on it (and every callback libpq makes) is on that thread.
/// It lives in the lowest target that needs it, so `Soak` and the tests use the same one.
package final class BlockingThread: Sendable {
    private let jobs: Jobs
    private let thread: pthread_t
    private let ended = Atomic<Bool>(false)

    /// Starts a thread named `name` (as `top -H` and `/proc/<pid>/task/*/comm` show it, cut to
    /// 15 bytes); nil if the system will not start one.
    package init?(name: String) {
        let jobs = Jobs(name: String(name.utf8.prefix(15)) ?? "soak")
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 1 << 20)
        let argument = Unmanaged.passRetained(jobs).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { argument in
            guard let argument else { return nil }
            Unmanaged<Jobs>.fromOpaque(argument).takeRetainedValue().serve()
            return nil
        }, argument)
        guard started == 0 else {
            Unmanaged<Jobs>.fromOpaque(argument).release()
            return nil
        }
        self.jobs = jobs
        self.thread = thread
    }

    /// Whether the caller is running on this thread (meaningful while it has not exited).
    package var isCurrent: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Runs `body` on the thread after the jobs before it; nil if the thread was ended first.
    package func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            if !submit({ continuation.resume(returning: body()) }) { continuation.resume(returning: nil) }
        }
    }

    /// Queues `job` to run on the thread; false (and the job dropped) if the thread was ended.
    @discardableResult
    package func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        jobs.push(job)
    }

    /// Ends the thread once the jobs already queued have run: later jobs are refused, and the thread
    /// exits (its resources with it) after the last one without anyone waiting. Later calls do nothing.
    package func end() {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return }
        jobs.close()
        pthread_detach(thread)
    }

    deinit { end() }

    /// Runs `body` on a thread of its own that ends with it.
    package static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        // Without a thread to be had (the process at its limit), blocking a pool thread beats not running.
        guard let thread = BlockingThread(name: name) else { return body() }
        defer { thread.end() }
        return await thread.run(body) ?? body()
    }
}

/// A ``BlockingThread``'s queue: jobs in order, then the end; the thread serves it until the end.
private final class Jobs: Sendable {
    private enum Entry { case job(@Sendable () -> Void), end }

    private let name: String
    private let state = Mutex<(entries: [Entry], open: Bool)>(([], true))
    private let available = DispatchSemaphore(value: 0)

    init(name: String) { self.name = name }

    func push(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state in
            guard state.open else { return false }
            state.entries.append(.job(job))
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    func close() {
        state.withLock { state in
            state.open = false
            state.entries.append(.end)
        }
        available.signal()
    }

    /// The thread's whole life: runs each job as it comes, returns at the end.
    func serve() {
        soak_name_this_thread(name)
        while true {
            available.wait()
            let entry = state.withLock { $0.entries.removeFirst() }
            guard case .job(let job) = entry else { return }
            job()
        }
    }
}
