/// A phase of one HTTP request, the `phase` label of `soak_http_phase_duration_seconds` and the
/// phases of a timed run's summary: resolve, connect and tls on a new connection only; processing
/// (request sent to first byte) and transfer (first byte to last) when an answer came.
enum RequestPhase: String, CaseIterable, Sendable {
    case resolve, connect, tls, processing, transfer
}
