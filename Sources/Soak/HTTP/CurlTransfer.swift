internal import CCurl
internal import SoakConfig
#if canImport(Glibc)
import Glibc
#endif

/// One libcurl easy handle and the state of the request it carries. Lives on the client's thread only;
/// reused across requests (`curl_easy_reset`), while the multi handle keeps the connections.
final class CurlTransfer {
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var body: [UInt8] = []
    private var bodyLimit = 0
    private var bodyTruncated = false
    private var isHTTPS = false
    /// Who gets the outcome: a scenario on the loop, or a caller waiting elsewhere.
    private(set) var owner: TransferOwner?
    /// Identifies the transfer to a caller that may cancel it (0: not cancellable).
    private(set) var token: UInt64 = 0

    init?() {
        guard let easy = curl_easy_init() else { return nil }
        self.easy = easy
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_easy_cleanup(easy)
        errorBuffer.deallocate()
    }

    /// Sets every option for `request`; a failure names the option libcurl refused.
    func prepare(_ request: OutgoingRequest, userAgent: String, owner: TransferOwner, token: UInt64 = 0) -> TransportFailure? {
        curl_easy_reset(easy)
        curl_slist_free_all(headerList)
        headerList = nil
        body.removeAll(keepingCapacity: body.capacity <= 64 * 1024)
        bodyLimit = request.maxResponseBytes
        bodyTruncated = false
        isHTTPS = request.url.lowercased().hasPrefix("https:")
        errorBuffer[0] = 0
        self.owner = owner
        self.token = token

        var failed: String?
        func check(_ code: CURLcode, _ name: String) {
            if code != CURLE_OK, failed == nil { failed = "\(name): \(String(cString: curl_easy_strerror(code)))" }
        }
        func setLong(_ option: CURLoption, _ value: Int, _ name: String) {
            check(soak_curl_easy_setopt_long(easy, option, value), name)
        }
        func setString(_ option: CURLoption, _ value: String, _ name: String) {
            check(value.withCString { soak_curl_easy_setopt_string(easy, option, $0) }, name)
        }

        let opaqueSelf = Unmanaged.passUnretained(self).toOpaque()
        check(soak_curl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, opaqueSelf), "CURLOPT_PRIVATE")
        check(soak_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        check(soak_curl_easy_setopt_write_function(easy, curlWriteBody), "CURLOPT_WRITEFUNCTION")
        check(soak_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, opaqueSelf), "CURLOPT_WRITEDATA")
        let tracker = request.connections.map { Unmanaged.passUnretained($0).toOpaque() }
        check(soak_curl_easy_setopt_opensocket_callback(easy, curlOpenSocket), "CURLOPT_OPENSOCKETFUNCTION")
        check(soak_curl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, tracker), "CURLOPT_OPENSOCKETDATA")
        check(soak_curl_easy_setopt_closesocket_callback(easy, curlCloseSocket), "CURLOPT_CLOSESOCKETFUNCTION")
        check(soak_curl_easy_setopt_pointer(easy, CURLOPT_CLOSESOCKETDATA, tracker), "CURLOPT_CLOSESOCKETDATA")

        setString(CURLOPT_URL, request.url, "CURLOPT_URL")
        setLong(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        setLong(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS), "CURLOPT_HTTP_VERSION")
        setLong(CURLOPT_TIMEOUT_MS, max(1, Int(DurationSyntax.milliseconds(request.timeout))), "CURLOPT_TIMEOUT_MS")
        setLong(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(DurationSyntax.milliseconds(request.connectTimeout))), "CURLOPT_CONNECTTIMEOUT_MS")
        setLong(CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0, "CURLOPT_FOLLOWLOCATION")
        if request.followRedirects { setLong(CURLOPT_MAXREDIRS, 10, "CURLOPT_MAXREDIRS") }
        setString(CURLOPT_USERAGENT, userAgent, "CURLOPT_USERAGENT")

        switch (request.method, request.body) {
        case ("GET", nil):
            setLong(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        case ("HEAD", _):
            setLong(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        case (let method, let body?):
            setLong(CURLOPT_POSTFIELDSIZE, body.count, "CURLOPT_POSTFIELDSIZE")
            check(body.withUnsafeBytes { soak_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress ?? UnsafeRawPointer(errorBuffer))) }, "CURLOPT_COPYPOSTFIELDS")
            if method != "POST" { setString(CURLOPT_CUSTOMREQUEST, method, "CURLOPT_CUSTOMREQUEST") }
        case (let method, nil):
            setString(CURLOPT_CUSTOMREQUEST, method, "CURLOPT_CUSTOMREQUEST")
        }

        // No "Expect: 100-continue" round trip for large bodies.
        for line in request.headers + ["Expect:"] {
            headerList = line.withCString { curl_slist_append(headerList, $0) }
        }
        check(soak_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")

        if let auth = request.basicAuth {
            setLong(CURLOPT_HTTPAUTH, soak_curlauth_basic(), "CURLOPT_HTTPAUTH")
            setString(CURLOPT_USERNAME, auth.username, "CURLOPT_USERNAME")
            setString(CURLOPT_PASSWORD, auth.password, "CURLOPT_PASSWORD")
        }
        if let tls = request.tls {
            if let caFile = tls.caFile { setString(CURLOPT_CAINFO, caFile, "CURLOPT_CAINFO") }
            if let certFile = tls.certFile { setString(CURLOPT_SSLCERT, certFile, "CURLOPT_SSLCERT") }
            if let keyFile = tls.keyFile { setString(CURLOPT_SSLKEY, keyFile, "CURLOPT_SSLKEY") }
            if tls.insecureSkipVerify {
                setLong(CURLOPT_SSL_VERIFYPEER, 0, "CURLOPT_SSL_VERIFYPEER")
                setLong(CURLOPT_SSL_VERIFYHOST, 0, "CURLOPT_SSL_VERIFYHOST")
            }
        }
        return failed.map { TransportFailure(reason: .other, message: "libcurl refused \($0)") }
    }

    /// Called from the write callback with each chunk of the body.
    func receive(_ chunk: UnsafeRawBufferPointer) {
        let room = bodyLimit - body.count
        if chunk.count <= room {
            body.append(contentsOf: chunk)
        } else {
            if room > 0 { body.append(contentsOf: chunk[..<room]) }
            bodyTruncated = true
        }
    }

    /// The outcome of the finished transfer with result `code`.
    func outcome(code: CURLcode, completedAt: ContinuousClock.Instant) -> HTTPOutcome {
        func long(_ info: CURLINFO) -> Int {
            var value = 0
            return soak_curl_easy_getinfo_long(easy, info, &value) == CURLE_OK ? value : 0
        }
        func offset(_ info: CURLINFO) -> Int64 {
            var value: curl_off_t = 0
            return soak_curl_easy_getinfo_off_t(easy, info, &value) == CURLE_OK ? Int64(value) : 0
        }
        let timings = PhaseTimings(
            newConnection: long(CURLINFO_NUM_CONNECTS) > 0,
            nameLookup: offset(CURLINFO_NAMELOOKUP_TIME_T), connect: offset(CURLINFO_CONNECT_TIME_T),
            appConnect: offset(CURLINFO_APPCONNECT_TIME_T), preTransfer: offset(CURLINFO_PRETRANSFER_TIME_T),
            startTransfer: offset(CURLINFO_STARTTRANSFER_TIME_T), total: offset(CURLINFO_TOTAL_TIME_T))
        let status = long(CURLINFO_RESPONSE_CODE)
        var failure: TransportFailure?
        if code != CURLE_OK {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            let rejectedAtTLS = isHTTPS && timings.newConnection && status == 0
            failure = TransportFailure(
                reason: TransportFailure.Reason(code: code, message: detail, answered: status > 0, rejectedAtTLS: rejectedAtTLS), message: detail)
        }
        return HTTPOutcome(
            status: status,
            failure: failure,
            body: body,
            bodyTruncated: bodyTruncated,
            timings: timings,
            requestBytes: long(CURLINFO_REQUEST_SIZE) + Int(offset(CURLINFO_SIZE_UPLOAD_T)),
            responseBytes: long(CURLINFO_HEADER_SIZE) + Int(offset(CURLINFO_SIZE_DOWNLOAD_T)),
            completedAt: completedAt
        )
    }

    /// Forgets the owner once it has the outcome, so the handle can go back to the free list.
    func finish() {
        owner = nil
        token = 0
        curl_slist_free_all(headerList)
        headerList = nil
    }
}

/// libcurl's write callback: hands each body chunk to the transfer in `userdata`.
private let curlWriteBody: curl_write_callback = { data, size, count, userdata in
    let length = size * count
    if let userdata, let data {
        Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue().receive(UnsafeRawBufferPointer(start: data, count: length))
    }
    return length
}

/// libcurl's open-socket callback: opens the socket and counts it for the target in `clientp`.
private let curlOpenSocket: curl_opensocket_callback = { clientp, _, address in
    guard let address else { return CURL_SOCKET_BAD }
    let descriptor = socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
    if descriptor >= 0, let clientp {
        Unmanaged<ConnectionTracker>.fromOpaque(clientp).takeUnretainedValue().socketOpened()
    }
    return descriptor
}

/// libcurl's close-socket callback: closes the socket and counts it for the target in `clientp`.
private let curlCloseSocket: curl_closesocket_callback = { clientp, descriptor in
    let result = close(descriptor)
    if let clientp {
        Unmanaged<ConnectionTracker>.fromOpaque(clientp).takeUnretainedValue().socketClosed()
    }
    return result
}
