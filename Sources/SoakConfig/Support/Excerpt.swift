/// The start of a body or message, for logs, reports and the status page: at most `limit` bytes of
/// UTF-8 text, with `…` when there was more.
public enum Excerpt {
    public static let limit = 200

    public static func of(_ body: [UInt8], limit: Int = limit) -> String {
        let text = String(decoding: body.prefix(limit), as: UTF8.self)
        return body.count > limit ? text + "…" : text
    }
}
