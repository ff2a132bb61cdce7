import Foundation
import Synchronization

/// A task executor on a thread of its own: async code that prefers it keeps running when the test
/// process's cooperative threads are blocked by fixtures that wait synchronously (server teardown,
/// `Command.run`), so an in-process hold's heartbeats are not starved by other tests.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// The one the in-process hold tests share.
    static let holds = ThreadExecutor(name: "test-holds")

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(name: String) {
        let thread = Thread { [unowned self] in self.runJobs() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
