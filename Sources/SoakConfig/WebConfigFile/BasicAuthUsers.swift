internal import Yams

/// A bcrypt hash from `basic_auth_users`, checked for shape: `$2a$`, `$2b$` or `$2y$`, a cost from 4
/// to 31, and 53 characters of salt and hash.
public struct BcryptHash: Sendable, Equatable {
    /// The hash as written.
    public let text: String
    /// log2 of the number of rounds: what one check costs.
    public let cost: Int

    static let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    /// How to make a hash, shown with every hash error.
    public static let hint = #"store a bcrypt hash, not the password: htpasswd -nBC 10 "" | tr -d ':\n'"#

    /// The hash, or why it is not one.
    public static func parse(_ text: String) -> Result<BcryptHash, BcryptHashError> {
        let characters = Array(text)
        guard characters.count >= 7, characters[0] == "$", characters[1] == "2", characters[3] == "$", characters[6] == "$" else {
            return .failure(.notBcrypt)
        }
        guard "aby".contains(characters[2]) else {
            return .failure(characters[2] == "x" ? .buggyVariant : .unknownVariant(String(characters[0...3])))
        }
        guard characters[4...5].allSatisfy({ $0.isASCII && $0.isNumber }), let cost = Int(String(characters[4...5])) else { return .failure(.notBcrypt) }
        guard (4...31).contains(cost) else { return .failure(.cost(cost)) }
        guard characters.count == 60 else { return .failure(.length(characters.count)) }
        guard characters[7...].allSatisfy(alphabet.contains) else { return .failure(.characters) }
        return .success(BcryptHash(text: text, cost: cost))
    }
}

/// Why a `basic_auth_users` value is not a bcrypt hash.
public enum BcryptHashError: Error, Equatable, CustomStringConvertible {
    case notBcrypt
    case buggyVariant
    case unknownVariant(String)
    case cost(Int)
    case length(Int)
    case characters

    public var description: String {
        switch self {
        case .notBcrypt: "not a bcrypt hash; \(BcryptHash.hint)"
        case .buggyVariant: "$2x$ hashes come from a bug in crypt_blowfish and cannot be checked; hash the password again (htpasswd -B writes $2y$)"
        case .unknownVariant(let prefix): "unknown bcrypt variant \(prefix) (expected $2a$, $2b$ or $2y$); \(BcryptHash.hint)"
        case .cost(let cost): "bcrypt cost \(cost) is outside 4 to 31; hash the password again"
        case .length(let count): "a bcrypt hash has 60 characters, this one \(count); was it cut or quoted wrongly?"
        case .characters: "a bcrypt hash has only ./A-Za-z0-9 after its cost; was it cut or quoted wrongly?"
        }
    }
}

/// One entry of `basic_auth_users`.
public struct BasicAuthUser: Sendable, Equatable {
    public let name: String
    public let hash: BcryptHash

    /// Parses `basic_auth_users`: user names to bcrypt hashes, in the order written.
    static func parseAll(_ node: Node?, reader: ConfigReader, warnings: inout [ConfigProblem]) -> [BasicAuthUser]? {
        guard let node, !node.isNull else { return [] }
        guard let entries = reader.namedEntries(node, path: "basic_auth_users", what: "user names to bcrypt hashes") else { return nil }
        let before = reader.problems.count
        var users: [BasicAuthUser] = []
        for entry in entries {
            let path = "basic_auth_users.\(entry.name)"
            guard !entry.name.isEmpty else {
                reader.report("basic_auth_users: a user name must not be empty", at: entry.keyNode)
                continue
            }
            guard !entry.name.contains(":") else {
                reader.report("\(path): a user name cannot contain \":\" (HTTP basic auth splits there); rename the user", at: entry.keyNode)
                continue
            }
            guard let text = reader.literal(entry.value, path: path, expected: "a bcrypt hash") else { continue }
            switch BcryptHash.parse(text) {
            case .success(let hash): users.append(BasicAuthUser(name: entry.name, hash: hash))
            case .failure(let error): reader.report("\(path): \(error)", at: entry.value)
            }
        }
        guard reader.problems.count == before else { return nil }
        let costs = Set(users.map(\.hash.cost)).sorted()
        if costs.count > 1 {
            warnings.append(
                reader.place(node, key: "basic_auth_users").problem(
                    "the hashes have different bcrypt costs (\(costs.map(String.init).joined(separator: ", "))), so how long a failed login "
                        + "takes tells whether the user exists; hash every password with the same cost"))
        }
        return users
    }
}
