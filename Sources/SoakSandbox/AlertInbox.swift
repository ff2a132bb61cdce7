internal import Foundation
internal import Logging
import Synchronization

/// The Alertmanager webhook notifications the sandbox received at `POST /sandbox/alerts`, oldest first,
/// the last ``capacity`` kept, so a demo or a test can see which alerts arrived, with their labels and
/// annotations, and when.
final class AlertInbox: Sendable {
    static let capacity = 500

    /// Each notification as JSON text: the webhook's body with `received_at` added.
    private let notifications = Mutex<[String]>([])
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Keeps a notification and logs one line naming its alerts and their states.
    func record(_ payload: [String: Any]) {
        var stamped = payload
        stamped["received_at"] = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        let text = JSONText.from(stamped)
        notifications.withLock { list in
            list.append(text)
            if list.count > Self.capacity { list.removeFirst(list.count - Self.capacity) }
        }
        let alerts = (payload["alerts"] as? [[String: Any]] ?? []).map { alert in
            "\((alert["labels"] as? [String: Any])?["alertname"] as? String ?? "?") \(alert["status"] as? String ?? "?")"
        }
        logger.info("alert notification received", metadata: ["receiver": "\(payload["receiver"] as? String ?? "")", "alerts": "\(alerts.joined(separator: ", "))"])
    }

    /// `{"notifications": [...]}`, oldest first.
    var json: String {
        "{\"notifications\":[" + notifications.withLock { $0.joined(separator: ",") } + "]}"
    }
}
