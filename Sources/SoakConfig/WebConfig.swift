internal import Yams

/// The `web` section: how soak serves `/metrics` and its other endpoints.
public struct WebConfig: Sendable, Equatable {
    /// Where to listen; `--web.listen-address` overrides it.
    public let listenAddress: ListenAddress
    /// How long a connection may stay without a complete request head before soak closes it: idle
    /// between requests (a scraper's kept-alive connection), or stalled halfway through its headers.
    /// Default 1m.
    public let idleTimeout: Duration

    static let keys = ["listen_address", "idle_timeout"]
    static let defaultIdleTimeout = Duration.seconds(60)

    init(listenAddress: ListenAddress = .default, idleTimeout: Duration = defaultIdleTimeout) {
        self.listenAddress = listenAddress
        self.idleTimeout = idleTimeout
    }

    init?(_ node: Node?, reader: ConfigReader) {
        guard let node else {
            self.init()
            return
        }
        guard let fields = reader.mapping(node, path: "web", known: Self.keys) else { return nil }
        var address: ListenAddress? = .default
        if let addressNode = fields["listen_address"], let text = reader.string(addressNode, path: fields.path("listen_address")) {
            address = ListenAddress(text)
            if address == nil { reader.report("web.listen_address: invalid address \"\(text)\": \(ListenAddress.hint)", at: addressNode) }
        }
        let idleTimeout = fields["idle_timeout"].map {
            reader.positiveDuration($0, path: fields.path("idle_timeout"), maximum: Limits.timeout)
        } ?? Self.defaultIdleTimeout
        guard let address, let idleTimeout else { return nil }
        self.init(listenAddress: address, idleTimeout: idleTimeout)
    }

    var node: Node {
        Node([(Node("listen_address"), Node(listenAddress.description)), (Node("idle_timeout"), Node(DurationSyntax.format(idleTimeout)))])
    }
}
