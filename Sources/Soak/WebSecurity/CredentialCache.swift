internal import Crypto
internal import SoakPostgres

/// bcrypt's verdict for each (user, stored hash, password) already checked, so that the bcrypt cost is
/// paid once per distinct credential rather than on every scrape.
///
/// The key is SHA-256 over the three, each prefixed with its length: no entry made for one user's
/// name, hash and password can answer for another's, whatever bytes an attacker puts in the name or
/// the password (CVE-2022-46146 was a key that concatenated them). Plain passwords are not kept.
/// Checks run one at a time on a thread of their own (a flood of wrong passwords queues instead of
/// taking every core); concurrent requests with the same credential share one check.
actor CredentialCache {
    /// How many verdicts are kept; the oldest tenth goes when it is full.
    static let capacity = 256

    private let check: @Sendable (_ password: String, _ hash: String) -> Bool
    private var verdicts: [SHA256Digest: Bool] = [:]
    private var order: [SHA256Digest] = []
    private var pending: [SHA256Digest: Task<Bool, Never>] = [:]
    private var queue: Task<Void, Never>?
    /// How many bcrypt checks ran: what the cache saves is visible to the tests.
    private(set) var checks = 0

    init(check: @escaping @Sendable (_ password: String, _ hash: String) -> Bool) {
        self.check = check
    }

    /// The key binding a user name, the hash checked for it and a password.
    static func key(user: [UInt8], hash: String, password: [UInt8]) -> SHA256Digest {
        var hasher = SHA256()
        for part in [user, Array(hash.utf8), password] {
            withUnsafeBytes(of: UInt64(part.count).bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: part)
        }
        return hasher.finalize()
    }

    /// Whether `password` matches `hash`, from the cache or from one bcrypt check.
    func verdict(user: [UInt8], hash: String, password: String) async -> Bool {
        let key = Self.key(user: user, hash: hash, password: Array(password.utf8))
        if let verdict = verdicts[key] { return verdict }
        if let running = pending[key] { return await running.value }
        let previous = queue
        let check = self.check
        let task = Task {
            await previous?.value
            return await BlockingThread.run(name: "bcrypt") { check(password, hash) }
        }
        queue = Task { _ = await task.value }
        pending[key] = task
        checks += 1
        let verdict = await task.value
        pending[key] = nil
        remember(verdict, for: key)
        return verdict
    }

    private func remember(_ verdict: Bool, for key: SHA256Digest) {
        if verdicts.count >= Self.capacity {
            let evicted = order.prefix(Self.capacity / 10)
            for old in evicted { verdicts[old] = nil }
            order.removeFirst(evicted.count)
        }
        verdicts[key] = verdict
        order.append(key)
    }
}
