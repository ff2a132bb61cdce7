internal import Foundation

/// Pieces of URLs as logs and the status page may show them.
enum URLText {
    /// The path of `url`, without its scheme, host, credentials, query or fragment: what can be
    /// logged of a request without leaking a secret in a query parameter.
    static func pathWithoutQuery(_ url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        return rest.isEmpty ? "/" : String(rest)
    }
}
