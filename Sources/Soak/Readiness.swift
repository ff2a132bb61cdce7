import Synchronization

/// Whether soak is ready: its config is loaded and everything the config asks for has started.
final class Readiness: Sendable {
    private let state = Mutex<String?>(nil)

    var isReady: Bool { state.withLock { $0 != nil } }

    /// The address the web server is bound to, once it is.
    var listeningOn: String? { state.withLock { $0 } }

    func markReady(listeningOn address: String) {
        state.withLock { $0 = address }
    }
}
