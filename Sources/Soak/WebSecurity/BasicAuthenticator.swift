internal import Foundation
internal import HummingbirdBcrypt

/// HTTP basic auth against `basic_auth_users`: a wrong user costs one bcrypt check, as a wrong
/// password does, and each distinct credential is checked once (``CredentialCache``).
final class BasicAuthenticator: Sendable {
    let cache: CredentialCache

    /// hummingbird-auth's bcrypt check.
    static let bcrypt: @Sendable (_ password: String, _ hash: String) -> Bool = { Bcrypt.verify($0, hash: $1) }

    /// `check` is ``bcrypt``; tests count its calls with one of their own.
    init(check: @escaping @Sendable (_ password: String, _ hash: String) -> Bool = bcrypt) {
        cache = CredentialCache(check: check)
    }

    /// Whether an `Authorization` header holds the credentials of one of `users`.
    func authenticate(authorization: String?, users: BasicAuthUsers) async -> Bool {
        guard let (user, password) = Self.credentials(authorization) else { return false }
        return await authenticate(user: user, password: password, users: users)
    }

    func authenticate(user: String, password: String, users: BasicAuthUsers) async -> Bool {
        // bcrypt reads C strings: a NUL would end the password early.
        guard !user.utf8.contains(0), !password.utf8.contains(0) else { return false }
        let name = Array(user.utf8)
        let (known, hash) = users.lookup(name)
        let matches = await cache.verdict(user: name, hash: hash, password: password)
        return known && matches
    }

    /// The user and password of a `Basic` authorization header (RFC 7617), nil when it is anything else.
    static func credentials(_ header: String?) -> (user: String, password: String)? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: parts[1].trimmingCharacters(in: .whitespaces)),
            let text = String(bytes: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
