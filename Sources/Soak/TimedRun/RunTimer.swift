import Synchronization
internal import ServiceLifecycle

/// Ends a timed run: returns after the duration, which shuts the group down gracefully, or earlier
/// when a signal shuts it down first.
final class RunTimer: Service, Sendable {
    let duration: Duration
    private let elapsed = Mutex(false)

    init(duration: Duration) {
        self.duration = duration
    }

    /// Whether the run lasted its whole duration.
    var completed: Bool { elapsed.withLock { $0 } }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await Task.sleep(for: self.duration)
            self.elapsed.withLock { $0 = true }
        }
    }
}
