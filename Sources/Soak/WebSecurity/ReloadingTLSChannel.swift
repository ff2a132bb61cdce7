internal import HummingbirdCore
internal import Logging
internal import NIOCore
internal import NIOSSL
import Synchronization

/// The channel built from the last good web config, replaced when a reload succeeds; connections
/// already open keep the one they were set up with.
final class TLSChannelGenerations<Inner: ServerChildChannel>: Sendable {
    private let current: Mutex<(channel: Inner, allowedSANs: [String])>

    init(_ channel: Inner, allowedSANs: [String]) {
        current = Mutex((channel, allowedSANs))
    }

    var latest: (channel: Inner, allowedSANs: [String]) { current.withLock { $0 } }

    func replace(with channel: Inner, allowedSANs: [String]) {
        current.withLock { $0 = (channel, allowedSANs) }
    }
}

/// The TLS listener's child channel: each new connection is set up by the latest generation (its
/// certificate, client CA and policy), so a rotated certificate is served without a restart. A plain
/// HTTP request gets a 400 that says to use https://, and `client_allowed_sans` is checked once the
/// handshake has verified the client's certificate.
struct ReloadingTLSChannel<Inner: ServerChildChannel>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let inner: Inner.Value
        let handler: Inner
        var channel: any Channel { inner.channel }
    }

    let generations: TLSChannelGenerations<Inner>
    let logger: Logger

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let generation = generations.latest
        do {
            try channel.pipeline.syncOperations.addHandler(PlaintextHTTPRejector())
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let sanLogger = self.logger
        return generation.channel.setup(channel: channel, logger: logger).flatMapThrowing { value in
            if !generation.allowedSANs.isEmpty {
                let operations = channel.pipeline.syncOperations
                let tls = try operations.handler(type: NIOSSLServerHandler.self)
                try operations.addHandler(ClientSANCheck(allowed: generation.allowedSANs, logger: sanLogger), position: .after(tls))
            }
            return Value(inner: value, handler: generation.channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await value.handler.handle(value: value.inner, logger: logger)
    }
}
