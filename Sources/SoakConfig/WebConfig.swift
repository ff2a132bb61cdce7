internal import Yams

/// The `web` section: how soak serves `/metrics` and its other endpoints.
public struct WebConfig: Sendable, Equatable {
    /// Where to listen; `--web.listen-address` overrides it.
    public let listenAddress: ListenAddress
    /// How long a connection may stay without a complete request head before soak closes it: idle
    /// between requests (a scraper's kept-alive connection), or stalled halfway through its headers.
    /// Default 1m.
    public let idleTimeout: Duration
    /// Links the status page shows beside `/metrics`, by name: `prometheus`, `grafana`.
    public let links: [String: String]

    static let keys = ["listen_address", "idle_timeout", "links"]
    static let linkNames = ["prometheus", "grafana"]
    static let defaultIdleTimeout = Duration.seconds(60)

    init(listenAddress: ListenAddress = .default, idleTimeout: Duration = defaultIdleTimeout, links: [String: String] = [:]) {
        self.listenAddress = listenAddress
        self.idleTimeout = idleTimeout
        self.links = links
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
        var links: [String: String]? = [:]
        if let linksNode = fields["links"], let linkFields = reader.mapping(linksNode, path: fields.path("links"), known: Self.linkNames) {
            for name in Self.linkNames {
                guard let node = linkFields[name] else { continue }
                guard let url = reader.string(node, path: linkFields.path(name)) else {
                    links = nil
                    continue
                }
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    reader.report("\(linkFields.path(name)): write an http:// or https:// URL, e.g. https://grafana.example.com/d/soak-overview", at: node)
                    links = nil
                    continue
                }
                links?[name] = url
            }
        }
        guard let address, let idleTimeout, let links else { return nil }
        self.init(listenAddress: address, idleTimeout: idleTimeout, links: links)
    }

    var node: Node {
        var pairs = [(Node("listen_address"), Node(listenAddress.description)), (Node("idle_timeout"), Node(DurationSyntax.format(idleTimeout)))]
        if !links.isEmpty { pairs.append((Node("links"), Node(links.sorted { $0.key < $1.key }.map { (Node($0.key), Node($0.value)) }))) }
        return Node(pairs)
    }
}
