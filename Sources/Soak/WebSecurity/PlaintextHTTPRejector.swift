internal import NIOCore

/// First in a TLS connection's pipeline: when the first bytes are a plain HTTP request rather than a
/// TLS handshake, answers 400 with a body saying to use https:// (a TLS alert would reach the client
/// as garbage or a reset), then closes. Otherwise it steps aside.
final class PlaintextHTTPRejector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let body = "This port serves HTTPS (tls_server_config in --web.config.file); use https://\n"

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        // A TLS record starts with its content type (22 for a handshake); an HTTP request with a method in capitals.
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self), (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        let response =
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(Self.body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n\(Self.body)"
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: promise)
        let channel = context.channel
        promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }
}
