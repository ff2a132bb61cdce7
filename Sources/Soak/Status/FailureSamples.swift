internal import Foundation

/// One kind of failure of a request or probe, as the status page and the logs show it.
struct FailureSample: Sendable, Codable, Equatable {
    /// The `reason` label value.
    var reason: String
    /// The `code` label value: the HTTP status, 0 when no complete answer came.
    var code: Int
    /// libcurl's words, or what was wrong with the answer.
    var message: String
    /// The first bytes of the answer's body.
    var bodyExcerpt: String
    var firstSeen: Date
    var lastSeen: Date
    var count: Int

    enum CodingKeys: String, CodingKey {
        case reason, code, message, count
        case bodyExcerpt = "body_excerpt"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
    }
}

/// The last few distinct failures of one request or probe (distinct by reason, code and message,
/// with the numbers in libcurl's words not counting: ``FailureMessage``), each with how often and
/// when it was seen and its latest message: bounded, the least recently seen giving way.
struct FailureSamples: Sendable {
    static let limit = 5
    private(set) var samples: [FailureSample] = []
    /// Each sample's message as ``FailureMessage`` normalizes it, kept beside it so that a failure is
    /// matched with one normalization, not one per sample.
    private var kinds: [String] = []

    mutating func record(reason: String, code: Int, message: String, body: String, at date: Date) {
        let kind = FailureMessage.normalized(message)
        if let index = samples.indices.first(where: { samples[$0].reason == reason && samples[$0].code == code && kinds[$0] == kind }) {
            samples[index].count += 1
            samples[index].lastSeen = date
            samples[index].message = message
            samples[index].bodyExcerpt = body
            return
        }
        if samples.count == Self.limit, let oldest = samples.indices.min(by: { samples[$0].lastSeen < samples[$1].lastSeen }) {
            samples.remove(at: oldest)
            kinds.remove(at: oldest)
        }
        samples.append(FailureSample(reason: reason, code: code, message: message, bodyExcerpt: body, firstSeen: date, lastSeen: date, count: 1))
        kinds.append(kind)
    }

    /// Most recently seen first.
    var newestFirst: [FailureSample] { samples.sorted { $0.lastSeen > $1.lastSeen } }
}
