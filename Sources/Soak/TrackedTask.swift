import Synchronization

/// A task that says when its work has finished, so a shutdown can wait for it with a deadline.
/// (Awaiting `Task.value` cannot be given up on; a task group waits for every child at its end.)
struct TrackedTask: Sendable {
    private final class Flag: Sendable {
        let finished = Atomic<Bool>(false)
    }

    let task: Task<Void, Never>
    private let flag: Flag

    init(_ work: @escaping @Sendable () async -> Void) {
        let flag = Flag()
        self.flag = flag
        task = Task {
            await work()
            flag.finished.store(true, ordering: .releasing)
        }
    }

    var isFinished: Bool { flag.finished.load(ordering: .acquiring) }

    func cancel() { task.cancel() }

    /// Returns once every task has finished, or at `deadline`, whichever comes first.
    static func waitForAll(_ tasks: [TrackedTask], until deadline: ContinuousClock.Instant) async {
        while !tasks.allSatisfy(\.isFinished), ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(10)) } catch { return }
        }
    }
}
