internal import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// A libpq connection string checked with libpq's own parser, so a typo fails at load, not at connect.
struct ConnectionString {
    /// Why libpq rejected the string, phrased without repeating any of it (it may hold a password).
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The password the string sets, if any.
    let password: String?
    /// Where it connects, as `host=… port=… dbname=… user=…` with only the keys the string sets:
    /// what the status page and the redacted config show instead of the string (never the password).
    let endpoint: String

    /// The keys ``endpoint`` shows, in its order.
    static let shownKeys = ["host", "hostaddr", "port", "dbname", "user"]

    static func parse(_ text: String) -> Result<ConnectionString, Failure> {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &errorMessage) else {
            defer { if let errorMessage { PQfreemem(errorMessage) } }
            let message = errorMessage.map { String(cString: $0) } ?? ""
            // "invalid connection option "X"" names a key, never a value; other messages may quote values.
            var detail = "libpq cannot parse it"
            if message.hasPrefix("invalid connection option"), let line = message.split(separator: "\n").first {
                detail = String(line)
            }
            return .failure(Failure(description:
                "not a valid libpq connection string (\(detail)); write a URI such as postgresql://user@host:5432/dbname or key=value pairs such as \"host=db port=5432 dbname=pulp user=pulp\""))
        }
        defer { PQconninfoFree(options) }
        var password: String?
        var shown: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            if let value = option.pointee.val.map({ String(cString: $0) }) {
                if key == "password" { password = value }
                if shownKeys.contains(key) { shown[key] = value }
            }
            option += 1
        }
        let endpoint = shownKeys.compactMap { key in shown[key].map { "\(key)=\($0)" } }.joined(separator: " ")
        return .success(ConnectionString(password: password, endpoint: endpoint.isEmpty ? "libpq defaults (PG* environment)" : endpoint))
    }
}
