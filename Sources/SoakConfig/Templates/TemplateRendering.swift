public import Foundation

/// What one rendering can draw on: randomness, the virtual user, its pool slices and the time.
public struct RenderScope {
    public var random: SeededRandom
    public var user: VirtualUserIdentity?
    /// Each pool's values as this user sees them (its slice, or the whole pool).
    public var pools: [String: [TemplateValue]]
    public var now: Date
    /// The global index of the open-model arrival being sent (`arrival.index`): counted from the
    /// scenario's start, or for a sharded scenario from the schedule's epoch, so no two shards send the same.
    public var arrival: Int64 = 0

    public init(random: SeededRandom, user: VirtualUserIdentity?, pools: [String: [TemplateValue]], now: Date) {
        self.random = random
        self.user = user
        self.pools = pools
        self.now = now
    }
}

extension Template {
    /// The rendered text.
    public func render(_ scope: inout RenderScope) -> String {
        if let constantText { return constantText }
        var output = ""
        for segment in segments {
            switch segment {
            case .text(let text): output += text
            case .expression(let expression): output += Self.evaluate(expression, &scope).description
            }
        }
        return output
    }

    /// The value of a template that is exactly one expression (a number stays a number), else its text.
    public func renderValue(_ scope: inout RenderScope) -> TemplateValue {
        if segments.count == 1, case .expression(let expression) = segments[0] {
            return Self.evaluate(expression, &scope)
        }
        return .string(render(&scope))
    }

    static func evaluate(_ expression: Expression, _ scope: inout RenderScope) -> TemplateValue {
        switch expression {
        case .literal(let text):
            return .string(text)
        case .uuid:
            return .string(uuid(&scope.random))
        case .sessionID:
            return .string(scope.user?.sessionID ?? "")
        case .userID:
            return .string(scope.user?.id ?? "")
        case .userIndex:
            return .integer(scope.user?.index ?? 0)
        case .userClass:
            return .string(scope.user?.userClass ?? "")
        case .arrivalIndex:
            return .integer(Int(truncatingIfNeeded: scope.arrival))
        case .randomInteger(let range):
            return .integer(Int.random(in: range, using: &scope.random))
        case .choice(let options):
            return .string(options[Int.random(in: 0..<options.count, using: &scope.random)])
        case .now(let offset):
            return .string(iso8601(scope.now.addingTimeInterval(DurationSyntax.seconds(offset))))
        case .pool(let name):
            guard let values = scope.pools[name], !values.isEmpty else { return .string("") }
            return values[Int.random(in: 0..<values.count, using: &scope.random)]
        case .privateIP:
            return .string(privateIP(&scope.random))
        }
    }

    /// A version 4 UUID in lowercase.
    private static func uuid(_ random: inout SeededRandom) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    private static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
            parts.tm_min, parts.tm_sec)
    }

    /// An address from one of the RFC 1918 ranges.
    private static func privateIP(_ random: inout SeededRandom) -> String {
        func octet() -> Int { Int.random(in: 0...255, using: &random) }
        switch Int.random(in: 0..<3, using: &random) {
        case 0: return "10.\(octet()).\(octet()).\(Int.random(in: 1...254, using: &random))"
        case 1: return "172.\(Int.random(in: 16...31, using: &random)).\(octet()).\(Int.random(in: 1...254, using: &random))"
        default: return "192.168.\(octet()).\(Int.random(in: 1...254, using: &random))"
        }
    }
}
