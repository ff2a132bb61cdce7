internal import CCurl

/// A request that got no complete answer: why, as the `reason` label, and libcurl's own words.
struct TransportFailure: Sendable, Equatable, Error {
    /// Why a transfer failed; the raw values are the `reason` label values of every HTTP family.
    enum Reason: String, Sendable, CaseIterable {
        /// The request or its connection took longer than its timeout.
        case timeout
        /// The connection was refused or the host unreachable.
        case connect
        /// The host name did not resolve.
        case dns
        /// The TLS handshake or verification failed, or the server refused the client certificate.
        case tls
        /// The connection was reset, or closed before any answer came (an empty reply).
        case reset
        /// The answer was not valid HTTP: not HTTP at all (HTTP/0.9), bad chunked encoding, bad
        /// content encoding, headers too large, an HTTP/2 protocol error.
        case `protocol`
        /// The answer's headers came but its body was cut short (closed or reset mid-body).
        case bodyIncomplete = "body_incomplete"
        /// Anything else (read the message); soak shutting down with the request in flight.
        case other

        /// The reason for libcurl's result `code`. `answered`: the status line came. `rejectedAtTLS`:
        /// the request was on a new HTTPS connection and no HTTP answer came, so a read or send error
        /// there is the server refusing the TLS session (with TLS 1.3 a rejected client certificate
        /// can arrive as an alert or as a reset).
        init(code: CURLcode, message: String, answered: Bool, rejectedAtTLS: Bool) {
            switch code {
            case CURLE_OPERATION_TIMEDOUT:
                self = .timeout
            case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
                self = .dns
            case CURLE_COULDNT_CONNECT:
                self = .connect
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
                CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
                CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED,
                CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_INVALIDCERTSTATUS:
                self = .tls
            case CURLE_PARTIAL_FILE:
                self = .bodyIncomplete
            case CURLE_UNSUPPORTED_PROTOCOL, CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_BAD_CONTENT_ENCODING,
                Self.tooLarge:
                self = .protocol
            case CURLE_OUT_OF_MEMORY:
                // libcurl before 8.6 reports a header line longer than it keeps (100 KiB) this way.
                self = answered ? .protocol : .other
            case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING:
                if rejectedAtTLS || message.contains("SSL") || message.contains("TLS") || message.contains("alert") {
                    self = .tls
                } else if message.contains("chunked") || message.contains("encoding") {
                    self = .protocol
                } else if answered {
                    self = .bodyIncomplete
                } else {
                    self = .reset
                }
            default:
                self = .other
            }
        }
    }

    var reason: Reason
    var message: String
}

extension TransportFailure.Reason {
    /// CURLE_TOO_LARGE (libcurl 8.6 and later): headers longer than libcurl keeps.
    fileprivate static let tooLarge = CURLcode(rawValue: 100)
}
