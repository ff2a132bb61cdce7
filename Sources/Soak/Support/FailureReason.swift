internal import SoakPostgres
/// A failure reason whose cases are the values of a `reason` label: every list of label values
/// (series exported at 0 from the start, docs, tests) is made from the cases, never typed by hand.
protocol FailureReason: Hashable, Sendable, CaseIterable {
    /// The label value.
    var label: String { get }
    /// The reasons that are counted: every case but those that only mean soak stopped waiting.
    static var counted: [Self] { get }
}

extension FailureReason {
    static var counted: [Self] { Array(allCases) }
}

extension FailureReason where Self: RawRepresentable, RawValue == String {
    var label: String { rawValue }
}

extension TransportFailure.Reason: FailureReason {}

extension PostgresFailure.Reason: FailureReason {
    static var counted: [Self] { allCases.filter { $0 != .cancelled } }
}
