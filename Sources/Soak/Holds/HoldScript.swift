internal import SoakConfig

/// The statements of one connection-lifetime test: what opens the hold, what runs every interval,
/// and what closes it. Channels are validated identifiers, quoted so that no name is a keyword.
struct HoldScript: Equatable {
    /// Run after `SELECT pg_backend_pid()`; a failure here is `failed_to_start`.
    let setup: [String]
    /// Run every interval during the hold.
    let work: [String]
    /// Run when the hold is over; a failure here is a death at the end of the hold.
    let finish: [String]
    /// The value set in `soak.session_marker` that session_variable expects to read back.
    let sessionMarker: String?

    /// The query session_variable ends with: the marker it set and the time zone, as the session sees them now.
    static let sessionCheck = "SELECT current_setting('soak.session_marker', true), current_setting('TimeZone'), pg_backend_pid()"

    init(test: HoldTest, channel: String?, marker: String) {
        let quoted = "\"\(channel ?? "")\""
        switch test {
        case .idle:
            (setup, work, finish, sessionMarker) = (["SELECT 1"], [], ["SELECT 1"], nil)
        case .heartbeat:
            (setup, work, finish, sessionMarker) = (["SELECT 1"], ["SELECT 1"], ["SELECT 1"], nil)
        case .idleInTransaction:
            (setup, work, finish, sessionMarker) = (["BEGIN", "SELECT 1"], [], ["COMMIT"], nil)
        case .transactionWithWork:
            (setup, work, finish, sessionMarker) = (["BEGIN", "SELECT 1"], ["SELECT 1", "SELECT now()", "SELECT count(*) FROM pg_class"], ["COMMIT"], nil)
        case .sessionVariable:
            (setup, work, finish, sessionMarker) = (["SET TIME ZONE 'UTC'", "SET soak.session_marker TO '\(marker)'"], [], ["SELECT 1"], marker)
        case .listen, .listenWithNotify:
            (setup, work, finish, sessionMarker) = (["LISTEN \(quoted)"], [], ["UNLISTEN \(quoted)"], nil)
        }
    }
}
