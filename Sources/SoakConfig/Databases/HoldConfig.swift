internal import Foundation
internal import Yams

/// The seven connection-lifetime tests, each holding one connection for `hold` in its own way.
public enum HoldTest: String, Sendable, CaseIterable {
    /// `SELECT 1`, idle for the hold, `SELECT 1`.
    case idle
    /// `SELECT 1` every interval for the hold.
    case heartbeat
    /// `BEGIN`, one query, idle in the transaction for the hold, `COMMIT`.
    case idleInTransaction = "idle_in_transaction"
    /// One transaction with a few queries every interval, then `COMMIT`.
    case transactionWithWork = "transaction_with_work"
    /// A session setting made at the start and checked at the end.
    case sessionVariable = "session_variable"
    /// `LISTEN` on a channel for the hold, counting what arrives.
    case listen
    /// `LISTEN` while a second connection sends numbered `NOTIFY`s.
    case listenWithNotify = "listen_with_notify"

    /// The interval between heartbeats or units of work; nil for the tests that have none.
    var defaultInterval: Duration? {
        switch self {
        case .heartbeat: .seconds(60)
        case .transactionWithWork: .seconds(120)
        default: nil
        }
    }

    var defaultChannel: String? {
        switch self {
        case .listen: "soak_listen"
        case .listenWithNotify: "soak_probe"
        default: nil
        }
    }

    /// What a threshold of this test can count: `died == 0` and `failed_to_start == 0` for every test,
    /// and the notification outcomes for listen_with_notify.
    var countableEvents: [String] {
        ["died", "failed_to_start"] + (self == .listenWithNotify ? ["missing", "duplicate", "out_of_order"] : [])
    }

    var keys: [String] {
        var keys = ["test", "hold", "statement_timeout", "thresholds"]
        if defaultInterval != nil { keys.append("interval") }
        if defaultChannel != nil { keys.append("channel") }
        if self == .listenWithNotify { keys.append("notify_every") }
        return keys
    }
}

/// One connection-lifetime test of a database, repeated back to back for as long as soak runs.
public struct HoldConfig: Sendable, Equatable {
    /// Which test.
    public let test: HoldTest
    /// How long one run holds its connection. Default 50m.
    public let hold: Duration
    /// Time allowed for each statement of the test; one that overruns is cancelled and the run dies
    /// with reason `timeout`. Default 30s, or the hold when that is shorter.
    public let statementTimeout: Duration
    /// Time between heartbeats (heartbeat, default 60s) or units of work (transaction_with_work, default 120s).
    public let interval: Duration?
    /// The channel listened on (listen, default soak_listen; listen_with_notify, default soak_probe).
    public let channel: String?
    /// Time between the numbered `NOTIFY`s of listen_with_notify. Default 2m.
    public let notifyEvery: Duration?
    /// Events that must not happen during a timed run, from `thresholds: ["died == 0", "missing == 0"]`.
    public let mustNotHappen: [String]

    static let defaultHold = Duration.seconds(50 * 60)
    static let defaultNotifyEvery = Duration.seconds(120)
    static let defaultStatementTimeout = Duration.seconds(30)

    init?(_ node: Node, path: String, reader: ConfigReader) {
        guard let mapping = node.mapping else {
            reader.report("\(path): expected a mapping with test and hold, found \(node.kindName)", at: node)
            return nil
        }
        // Which keys are allowed depends on the test, so read it first.
        let testNode = mapping.first(where: { $0.key.scalar?.string == "test" })?.value
        guard let testNode, let testText = reader.string(testNode, path: "\(path).test") else {
            if testNode == nil {
                reader.report("\(path): missing required key \"test\", one of \(HoldTest.allCases.map(\.rawValue).joined(separator: ", "))", at: node)
            }
            return nil
        }
        guard let test = HoldTest(rawValue: testText) else {
            reader.report(
                "\(path).test: unknown test \"\(testText)\"; use one of \(HoldTest.allCases.map(\.rawValue).joined(separator: ", "))", at: testNode)
            return nil
        }
        let allKeys = ["test", "hold", "statement_timeout", "interval", "channel", "notify_every", "thresholds"]
        for (keyNode, _) in mapping {
            if let key = keyNode.scalar?.string, allKeys.contains(key), !test.keys.contains(key) {
                reader.report("\(path).\(key): \(test.rawValue) takes no \(key); remove it (valid keys: \(test.keys.joined(separator: ", ")))", at: keyNode)
                return nil
            }
        }
        guard let fields = reader.mapping(node, path: path, known: test.keys) else { return nil }
        let hold = fields["hold"].map { reader.positiveDuration($0, path: fields.path("hold"), maximum: Limits.lifetime) } ?? Self.defaultHold
        // Each optional setting is nil when the test has none, and a parse failure is reported and fails the entry.
        var valid = true
        func optionalDuration(_ key: String, default value: Duration?) -> Duration? {
            guard let node = fields[key] else { return value }
            let parsed = reader.positiveDuration(node, path: fields.path(key), maximum: Limits.interval)
            if parsed == nil { valid = false }
            return parsed
        }
        let interval = optionalDuration("interval", default: test.defaultInterval)
        let statementTimeout = fields["statement_timeout"].map {
            reader.positiveDuration($0, path: fields.path("statement_timeout"), maximum: Limits.timeout)
        } ?? min(Self.defaultStatementTimeout, hold ?? Self.defaultStatementTimeout)
        let notifyEvery = optionalDuration("notify_every", default: test == .listenWithNotify ? Self.defaultNotifyEvery : nil)
        var channel = test.defaultChannel
        if let channelNode = fields["channel"] {
            channel = Self.channel(channelNode, path: fields.path("channel"), reader: reader)
            if channel == nil { valid = false }
        }
        var mustNotHappen: [String] = []
        if let node = fields["thresholds"] {
            for item in reader.sequence(node, path: fields.path("thresholds")) ?? [] {
                guard let text = reader.string(item, path: fields.path("thresholds")) else {
                    valid = false
                    continue
                }
                let parts = text.split(separator: "==").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, parts[1] == "0", test.countableEvents.contains(parts[0]) else {
                    reader.report(
                        "\(fields.path("thresholds")): invalid threshold \"\(text)\"; write EVENT == 0 with EVENT one of \(test.countableEvents.joined(separator: ", "))",
                        at: item)
                    valid = false
                    continue
                }
                mustNotHappen.append(parts[0])
            }
        }
        guard valid, let hold, let statementTimeout else { return nil }
        for (key, every) in [("interval", interval), ("notify_every", notifyEvery)] {
            if let every, every >= hold {
                reader.report(
                    "\(fields.path(key)): \(DurationSyntax.format(every)) is not shorter than hold \(DurationSyntax.format(hold)); make it shorter",
                    at: fields[key] ?? node)
                return nil
            }
        }
        self.test = test
        self.hold = hold
        self.statementTimeout = statementTimeout
        self.interval = interval
        self.channel = channel
        self.notifyEvery = notifyEvery
        self.mustNotHappen = mustNotHappen
    }

    /// A channel name as `LISTEN` takes it unquoted: lower-case letters, digits and `_`, at most 63 bytes.
    private static func channel(_ node: Node, path: String, reader: ConfigReader) -> String? {
        guard let name = reader.nonEmptyString(node, path: path) else { return nil }
        guard let first = name.first, first.isASCII, first.isLowercase || first == "_", name.utf8.count <= 63,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
        else {
            reader.report(
                "\(path): invalid channel \"\(name)\"; use lower-case letters, digits and _, starting with a letter, at most 63 characters", at: node)
            return nil
        }
        return name
    }

    var node: Node {
        var pairs: [(Node, Node)] = [
            (Node("test"), Node(test.rawValue)), (Node("hold"), Node(DurationSyntax.format(hold))),
            (Node("statement_timeout"), Node(DurationSyntax.format(statementTimeout))),
        ]
        if let interval { pairs.append((Node("interval"), Node(DurationSyntax.format(interval)))) }
        if let channel { pairs.append((Node("channel"), Node(channel))) }
        if let notifyEvery { pairs.append((Node("notify_every"), Node(DurationSyntax.format(notifyEvery)))) }
        if !mustNotHappen.isEmpty { pairs.append((Node("thresholds"), Node(mustNotHappen.map { Node("\($0) == 0") }))) }
        return Node(pairs)
    }
}
