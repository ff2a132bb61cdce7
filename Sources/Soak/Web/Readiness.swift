import Synchronization

/// Whether soak is ready: the web server listens and every configured component has started
/// (scenarios prepared, their data pools loaded).
final class Readiness: Sendable {
    private let state = Mutex<(address: String?, componentsStarted: Bool)>((nil, false))

    var isReady: Bool { state.withLock { $0.address != nil && $0.componentsStarted } }

    /// The address the web server is bound to, once it is.
    var listeningOn: String? { state.withLock { $0.address } }

    func markListening(on address: String) {
        state.withLock { $0.address = address }
    }

    func markComponentsStarted() {
        state.withLock { $0.componentsStarted = true }
    }
}
