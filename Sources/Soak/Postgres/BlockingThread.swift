internal import Foundation

/// Runs blocking work (libpq waits, fsync) on a thread of its own, so Swift's cooperative pool never blocks.
enum BlockingThread {
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}
