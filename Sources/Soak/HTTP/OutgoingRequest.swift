/// One HTTP request with everything rendered: what the libcurl client sends.
struct OutgoingRequest: Sendable {
    /// Client-side TLS files and verification.
    struct TLS: Sendable, Equatable {
        var caFile: String?
        var certFile: String?
        var keyFile: String?
        var insecureSkipVerify = false
    }

    var method: String
    var url: String
    /// Header lines as `Name: value`.
    var headers: [String] = []
    var body: [UInt8]?
    var timeout: Duration = .seconds(30)
    var connectTimeout: Duration = .seconds(5)
    var followRedirects = false
    /// Bytes of the response body kept for checks; the rest is read and counted but dropped.
    var maxResponseBytes = 1 << 20
    var tls: TLS?
    var basicAuth: (username: String, password: String)?
    /// Counts the sockets this request's connections open and close, per target.
    var connections: ConnectionTracker?
}

/// How a request ended: an HTTP answer, or a transport failure with its reason.
struct HTTPOutcome: Sendable {
    /// The HTTP status line's code, or 0 when none came. A transfer that failed after its headers
    /// (a reset or truncated body) keeps the code it saw; ``codeLabel`` does not.
    var status: Int
    /// Why no complete answer came, if none did.
    var failure: TransportFailure?
    /// The first `maxResponseBytes` of the body.
    var body: [UInt8]
    /// Whether the body was longer than what was kept.
    var bodyTruncated: Bool
    var timings: PhaseTimings
    var requestBytes: Int
    var responseBytes: Int
    /// When libcurl reported the transfer done.
    var completedAt: ContinuousClock.Instant

    /// The `code` label: the status of a complete answer, or 0 when the transfer failed (even after
    /// its headers came), so that `code=~"2.."` never counts a failure.
    var codeLabel: Int { failure == nil ? status : 0 }
}


/// Where the time of one request went, from libcurl's `CURLINFO_*_TIME_T`.
struct PhaseTimings: Sendable, Equatable {
    /// Whether the request opened a new connection (so resolve, connect and tls are meaningful).
    var newConnection = false
    var resolve: Duration = .zero
    var connect: Duration = .zero
    /// Zero for plain HTTP.
    var tls: Duration = .zero
    /// From the request fully sent to the first byte of the answer.
    var processing: Duration = .zero
    /// From the first byte to the last.
    var transfer: Duration = .zero
    var total: Duration = .zero

    /// The phases from libcurl's cumulative microsecond marks.
    init(newConnection: Bool, nameLookup: Int64, connect: Int64, appConnect: Int64, preTransfer: Int64, startTransfer: Int64, total: Int64) {
        func span(_ from: Int64, _ to: Int64) -> Duration { .microseconds(max(0, to - from)) }
        self.newConnection = newConnection
        self.resolve = .microseconds(max(0, nameLookup))
        self.connect = span(nameLookup, connect)
        self.tls = appConnect > 0 ? span(connect, appConnect) : .zero
        self.processing = startTransfer > 0 ? span(preTransfer, startTransfer) : .zero
        self.transfer = startTransfer > 0 ? span(startTransfer, total) : .zero
        self.total = .microseconds(max(0, total))
    }

    init() {}

    /// Calls `body` with each phase that means something for this request: resolve, connect and (over
    /// TLS) tls on a new connection; processing and transfer when an answer came.
    func forEachMeasured(answered: Bool, _ body: (RequestPhase, Duration) -> Void) {
        if newConnection {
            body(.resolve, resolve)
            body(.connect, connect)
            if tls > .zero { body(.tls, tls) }
        }
        if answered {
            body(.processing, processing)
            body(.transfer, transfer)
        }
    }
}
