import Synchronization

/// Counts the sockets libcurl opens and closes for one target, through its open and close socket
/// callbacks, so keep-alive churn shows in `soak_http_connections_open` and `_opened_total`.
final class ConnectionTracker: Sendable {
    private let counts = Mutex((open: 0, opened: 0))
    private let onChange: @Sendable (_ open: Int, _ openedDelta: Int) -> Void

    /// `onChange` receives the open count after each change and how many sockets were just opened.
    init(onChange: @escaping @Sendable (_ open: Int, _ openedDelta: Int) -> Void = { _, _ in }) {
        self.onChange = onChange
    }

    var open: Int { counts.withLock { $0.open } }
    var opened: Int { counts.withLock { $0.opened } }

    func socketOpened() {
        let open = counts.withLock { counts -> Int in
            counts.open += 1
            counts.opened += 1
            return counts.open
        }
        onChange(open, 1)
    }

    func socketClosed() {
        let open = counts.withLock { counts -> Int in
            counts.open = max(0, counts.open - 1)
            return counts.open
        }
        onChange(open, 0)
    }
}
