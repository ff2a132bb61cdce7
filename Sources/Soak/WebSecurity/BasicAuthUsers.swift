internal import SoakConfig

/// The users of one web config: names as bytes, compared in a time that does not depend on which
/// name matches or where they differ, and the hash an unknown user is checked against so that a
/// wrong user costs one bcrypt, as a wrong password does.
struct BasicAuthUsers: Sendable {
    private let entries: [(name: [UInt8], hash: String)]
    /// The hash checked for a user name that is not configured: the costliest user's, so that no
    /// failed login is quicker than that user's.
    let unknownUserHash: String

    init(_ users: [BasicAuthUser], unknownUserHash: String? = nil) {
        entries = users.map { (Array($0.name.utf8), Self.checkable($0.hash.text)) }
        let costliest = users.max { $0.hash.cost < $1.hash.cost }
        self.unknownUserHash = unknownUserHash ?? costliest.map { Self.checkable($0.hash.text) } ?? ""
    }

    /// Whether `name` is a configured user, and the hash to check its password against. Every entry
    /// is compared, to the end, whatever matches.
    func lookup(_ name: [UInt8]) -> (known: Bool, hash: String) {
        var found: Int?
        for (index, entry) in entries.enumerated() where Self.constantTimeEquals(entry.name, name) {
            found = index
        }
        guard let found else { return (false, unknownUserHash) }
        return (true, entries[found].hash)
    }

    /// `$2y$` (htpasswd's) and `$2a$` hashes are checked as `$2b$`: the same algorithm for every
    /// password up to 255 bytes, which is how Go's bcrypt (exporter-toolkit's) treats all three;
    /// hummingbird-auth's bcrypt knows only `$2a$` and `$2b$`, and `$2a$` differently for long passwords.
    static func checkable(_ hash: String) -> String {
        guard hash.hasPrefix("$2a$") || hash.hasPrefix("$2y$") else { return hash }
        return "$2b$" + hash.dropFirst(4)
    }

    /// Equality in a time that depends on the lengths only, not on where the bytes differ.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            let left = index < a.count ? a[index] : 0
            let right = index < b.count ? b[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
