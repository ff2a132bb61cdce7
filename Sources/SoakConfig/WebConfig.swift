internal import Yams

/// The `web` section: how soak serves `/metrics` and its other endpoints.
public struct WebConfig: Sendable, Equatable {
    /// Where to listen; `--web.listen-address` overrides it.
    public let listenAddress: ListenAddress

    static let keys = ["listen_address"]

    init(listenAddress: ListenAddress = .default) {
        self.listenAddress = listenAddress
    }

    init?(_ node: Node?, reader: ConfigReader) {
        guard let node else {
            self.init()
            return
        }
        guard let fields = reader.mapping(node, path: "web", known: Self.keys) else { return nil }
        var address = ListenAddress.default
        if let addressNode = fields["listen_address"] {
            guard let text = reader.string(addressNode, path: fields.path("listen_address")) else { return nil }
            guard let parsed = ListenAddress(text) else {
                reader.report("web.listen_address: invalid address \"\(text)\": \(ListenAddress.hint)", at: addressNode)
                return nil
            }
            address = parsed
        }
        self.init(listenAddress: address)
    }

    var node: Node {
        Node([(Node("listen_address"), Node(listenAddress.description))])
    }
}
