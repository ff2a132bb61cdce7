/// Which of N soak processes this one is (`--shard I/N`): shard `index` of `count`. Open-model
/// scenarios send global arrivals `index`, `index + count`, …; closed-model user `u` runs on shard
/// `u % count`; probes, holds, tasks and ingestion run on shard 0 unless an entry says `shards: all`.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based, below `count`.
    public let index: Int
    /// How many shards share the load, at least 1.
    public let count: Int

    /// The whole load in one process: what soak is without `--shard`.
    public static let whole = Shard(checkedIndex: 0, count: 1)

    /// The most shards one load is split into.
    public static let maximumCount = 1_000

    private init(checkedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Shard `index` of `count`, or a sentence saying what is wrong.
    public static func make(index: Int, count: Int) -> Result<Shard, ShardError> {
        guard (1...maximumCount).contains(count) else {
            return .failure(ShardError("the number of shards must be from 1 to \(maximumCount), found \(count)"))
        }
        guard (0..<count).contains(index) else {
            return .failure(ShardError("shard \(index) is not one of \(count): the shards of \(count) are 0/\(count) to \(count - 1)/\(count)"))
        }
        return .success(Shard(checkedIndex: index, count: count))
    }

    /// Parses `I/N`, such as `0/3`.
    public static func parse(_ text: String) -> Result<Shard, ShardError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = wholeNumber(parts[0]), let count = wholeNumber(parts[1]) else {
            return .failure(ShardError("expected I/N such as 0/3 (this process is shard I of N, counting from 0), found \"\(text)\""))
        }
        return make(index: index, count: count)
    }

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }

    /// Whether this process is the only one.
    public var isWhole: Bool { count == 1 }

    /// Whether global item `item` (an arrival or a virtual user) is this shard's.
    public func owns(_ item: Int64) -> Bool {
        Int(item.modulo(Int64(count))) == index
    }

    /// Where `--shard` is left out: `SOAK_SHARD` (`I/N`); else, with `--shard.count N` (or
    /// `SOAK_SHARD_COUNT`), the index from the hostname's trailing ordinal (`soak-2`) when
    /// `fromHostname`, or from `SOAK_SHARD_INDEX` (a StatefulSet's pod index through the downward API)
    /// or `JOB_COMPLETION_INDEX` (an Indexed Job's). Without any of them, the whole load.
    public static func resolve(
        flag: String?, count: Int?, fromHostname: Bool, environment: [String: String], hostname: String
    ) -> Result<Shard, ShardError> {
        func named(_ source: String, _ result: Result<Shard, ShardError>) -> Result<Shard, ShardError> {
            result.mapError { ShardError("\(source): \($0.message)") }
        }
        if let flag { return named("--shard", parse(flag)) }
        if let text = environment["SOAK_SHARD"], !text.isEmpty {
            if count != nil || fromHostname {
                return .failure(ShardError("SOAK_SHARD is set, and so is --shard.count or --shard.from-hostname; give one of them"))
            }
            return named("SOAK_SHARD", parse(text))
        }
        var total = count
        if total == nil, let text = environment["SOAK_SHARD_COUNT"], !text.isEmpty {
            guard let number = wholeNumber(Substring(text)) else {
                return .failure(ShardError("SOAK_SHARD_COUNT: expected the number of shards, such as 3, found \"\(text)\""))
            }
            total = number
        }
        guard let total else {
            return fromHostname ? .failure(ShardError("--shard.from-hostname needs the number of shards: --shard.count N")) : .success(.whole)
        }
        if fromHostname {
            let digits = hostname.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count < hostname.count, hostname.dropLast(digits.count).last == "-",
                let index = wholeNumber(Substring(String(digits.reversed())))
            else {
                return .failure(ShardError(
                    "--shard.from-hostname: the hostname \"\(hostname)\" does not end in -ORDINAL as a StatefulSet's pods do (soak-0, soak-1, …); give --shard I/N instead"))
            }
            return named("--shard.from-hostname (hostname \(hostname))", make(index: index, count: total))
        }
        for variable in ["SOAK_SHARD_INDEX", "JOB_COMPLETION_INDEX"] {
            guard let text = environment[variable], !text.isEmpty else { continue }
            guard let index = wholeNumber(Substring(text)) else {
                return .failure(ShardError("\(variable): expected a shard index such as 0, found \"\(text)\""))
            }
            return named(variable, make(index: index, count: total))
        }
        return .failure(ShardError(
            "--shard.count \(total) needs the shard's index: set SOAK_SHARD_INDEX (a StatefulSet's pod index through the downward API), run in an Indexed Job (JOB_COMPLETION_INDEX), or pass --shard.from-hostname"))
    }

    /// A decimal number of at most 9 digits, without sign or spaces.
    private static func wholeNumber(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}

/// Why a shard could not be worked out; the message says how to fix it.
public struct ShardError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Where an entry that is not traffic (a database with its probes and holds, an ingestion, task or
/// JSON value probe) runs when soak is sharded: `shards: 0` (the default) on shard 0 only, so the
/// service sees one prober whatever the number of shards; `shards: all` on every shard.
public enum ShardPlacement: String, Sendable, Equatable, CaseIterable {
    case first = "0"
    case all

    /// Whether an entry placed so runs on `shard`.
    public func runs(on shard: Shard) -> Bool {
        self == .all || shard.index == 0
    }
}

extension Int64 {
    /// The remainder that is never negative.
    func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
