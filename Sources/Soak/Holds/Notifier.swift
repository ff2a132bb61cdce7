internal import Prometheus
internal import Foundation
internal import SoakPostgres

/// listen_with_notify's second connection: sends a numbered, timestamped `NOTIFY` every
/// `every` until the hold ends, and reports which the server acknowledged. Every attempt takes a new
/// number, so a send that timed out on soak's side but reached the server is never reused.
struct Notifier: Sendable {
    let endpoint: PostgresEndpoint
    let channel: String
    let every: Duration
    let run: String
    let metrics: HoldMetrics

    /// Time allowed for one `NOTIFY` (an overrun skips the sends it overlaps).
    static let sendTimeout = Duration.seconds(5)

    /// Sends until `end` (or cancellation); returns the sequence numbers the server acknowledged.
    func send(until end: ContinuousClock.Instant) async -> [Int] {
        // The first send is one interval in.
        var schedule = ProbeSchedule(start: .now + every, every: every)
        let kept = KeptConnection(endpoint: endpoint, probe: "notify")
        defer { kept.close() }
        var acknowledged: [Int] = []
        var sequence = 0
        while true {
            let due = schedule.next(after: .now)
            guard due < end else { break }
            do { try await Task.sleep(until: due, clock: .continuous) } catch { break }
            sequence += 1
            let (run, channel, number) = (run, channel, sequence)
            // The send time is stamped on the connection's thread just before the query goes out.
            let sent = await kept.query(timeout: Self.sendTimeout) {
                "SELECT pg_notify('\(channel)', '\(NotificationLedger.payload(run: run, sequence: number, sentAt: Date()))')"
            }
            switch sent {
            case .success: acknowledged.append(sequence)
            case .failure(let failure) where failure.reason != .cancelled: metrics.notifyErrors(failure.reason).increment()
            case .failure: break
            }
        }
        return acknowledged
    }
}
