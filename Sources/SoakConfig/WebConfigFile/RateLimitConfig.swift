internal import Yams

/// `rate_limit` of a web config file: a token bucket in front of every endpoint but `/healthz` and
/// `/readyz`; one token comes back every `interval`, at most `burst` are kept, and a request without
/// a token gets 429.
public struct RateLimitConfig: Sendable, Equatable {
    /// How often one request's worth of budget comes back.
    public let interval: Duration
    /// How many requests may come at once after a quiet spell.
    public let burst: Int

    static let keys = ["interval", "burst"]

    /// The limit; nil when the section is absent, when `interval` is 0 (off, as in exporter-toolkit),
    /// or when it is invalid (problems reported).
    static func parse(_ node: Node?, reader: ConfigReader) -> RateLimitConfig? {
        guard let node, !node.isNull else { return nil }
        guard let fields = reader.mapping(node, path: "rate_limit", known: keys) else { return nil }
        var interval = Duration.zero
        if let node = fields["interval"] {
            guard let text = reader.literal(node, path: fields.path("interval"), expected: "a duration such as 1s") else { return nil }
            guard let parsed = DurationSyntax.parse(text) else {
                reader.report("\(fields.path("interval")): invalid duration \"\(text)\": \(DurationSyntax.hint)", at: node)
                return nil
            }
            interval = parsed
        }
        var burst = 0
        if let node = fields["burst"] {
            guard let text = reader.literal(node, path: fields.path("burst"), expected: "a whole number") else { return nil }
            guard let value = Int(text), value >= 0 else {
                reader.report("\(fields.path("burst")): expected a whole number, found \"\(text)\"", at: node)
                return nil
            }
            burst = value
        }
        guard interval > .zero else { return nil }
        guard burst >= 1 else {
            reader.report(
                "\(fields.path("burst")): with burst 0 every request would be refused; set burst to 1 or more, or interval to 0 to turn the limit off",
                at: fields["burst"] ?? fields.node)
            return nil
        }
        return RateLimitConfig(interval: interval, burst: burst)
    }
}
