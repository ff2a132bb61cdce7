internal import Foundation

/// What listen_with_notify's listener makes of the numbered notifications it reads: latency from
/// the send time in the payload, duplicates, out-of-order arrivals, and at the end the missing ones.
/// Payloads are `soak:<run>:<sequence>:<sent, µs since 1970>`; another run's payloads (a second
/// database entry or soak instance on the same channel) are ignored.
struct NotificationLedger {
    /// What one notification was.
    enum Outcome: Equatable {
        /// New; `outOfOrder` when a later one arrived before it.
        case received(latency: Double, outOfOrder: Bool)
        case duplicate
        /// Not one of this run's.
        case foreign
    }

    let run: String
    /// Distinct notifications of this run received.
    private(set) var received = 0
    private(set) var duplicates = 0
    private(set) var outOfOrder = 0
    private var seen: Set<Int> = []
    private var highest = 0

    init(run: String) {
        self.run = run
    }

    static func payload(run: String, sequence: Int, sentAt: Date) -> String {
        "soak:\(run):\(sequence):\(microseconds(sentAt))"
    }

    private static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    mutating func record(payload: String, receivedAt: Date) -> Outcome {
        let parts = payload.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "soak", parts[1] == run, let sequence = Int(parts[2]), let micros = Int64(parts[3]) else {
            return .foreign
        }
        guard seen.insert(sequence).inserted else {
            duplicates += 1
            return .duplicate
        }
        received += 1
        let late = sequence < highest
        if late { outOfOrder += 1 }
        highest = max(highest, sequence)
        let latency = Double(max(0, Self.microseconds(receivedAt) - micros)) / 1_000_000
        return .received(latency: latency, outOfOrder: late)
    }

    /// Notifications the server acknowledged that never arrived.
    func missing(acknowledged: [Int]) -> Int {
        acknowledged.filter { !seen.contains($0) }.count
    }
}
