/// Why a scenario's request failed: the `reason` label of `soak_http_request_errors_total`, the
/// failures table and the logs.
enum RequestFailureReason: FailureReason {
    /// No complete answer came.
    case transport(TransportFailure.Reason)
    /// The status is not one `expect_status` accepts.
    case status
    /// A body check failed, or the body could not be checked (too long, not JSON).
    case check

    static let allCases: [RequestFailureReason] = TransportFailure.Reason.allCases.map(Self.transport) + [.status, .check]

    var label: String {
        switch self {
        case .transport(let reason): reason.rawValue
        case .status: "status"
        case .check: "check"
        }
    }
}
