/// Who a virtual user is, for templates and per-user credentials.
public struct VirtualUserIdentity: Sendable, Equatable {
    /// 0-based position among the scenario's users.
    public let index: Int
    /// `<scenario>-<index>`, or the username from the scenario's credentials file.
    public let id: String
    /// The user class's name.
    public let userClass: String
    /// 32 lowercase hex characters, fixed for the user's life.
    public let sessionID: String

    public init(index: Int, id: String, userClass: String, sessionID: String) {
        self.index = index
        self.id = id
        self.userClass = userClass
        self.sessionID = sessionID
    }

    /// A fresh 32-hex session id drawn from `random`.
    public static func makeSessionID(using random: inout some RandomNumberGenerator) -> String {
        let high = random.next() as UInt64
        let low = random.next() as UInt64
        let hex = String(high, radix: 16) + "-" + String(low, radix: 16)
        let parts = hex.split(separator: "-")
        return parts.map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
    }
}
