internal import Foundation
internal import Logging
internal import NIOCore
internal import NIOSSL
internal import NIOTLS
internal import SwiftASN1
internal import X509

/// `client_allowed_sans`: right after the TLS handler, once the handshake has completed (and, for the
/// verifying client_auth_types, verified the chain), closes the connection unless the client's
/// certificate has a DNS, IP, e-mail or URI SAN that is on the list. Nothing the client sent reaches
/// HTTP before the check passes.
final class ClientSANCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let allowed: Set<String>
    private let logger: Logger
    private var refused = false

    init(allowed: [String], logger: Logger) {
        self.allowed = Set(allowed)
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .handshakeCompleted? = event as? TLSUserEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let certificate = (try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self))?.peerCertificate
        let names = certificate.map(Self.subjectAlternativeNames) ?? []
        guard names.contains(where: allowed.contains) else {
            refused = true
            logger.info(
                "refused a client certificate: none of its SANs is in client_allowed_sans",
                metadata: ["remote": "\(context.remoteAddress?.description ?? "unknown")", "sans": "\(names.joined(separator: ","))"])
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        context.fireChannelRead(data)
    }

    /// The DNS, e-mail, IP and URI SANs as exporter-toolkit compares them (IPs in their usual text form).
    static func subjectAlternativeNames(_ certificate: NIOSSLCertificate) -> [String] {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der),
            let names = try? parsed.extensions.subjectAlternativeNames
        else { return [] }
        return names.compactMap { name in
            switch name {
            case .dnsName(let text), .rfc822Name(let text), .uniformResourceIdentifier(let text): text
            case .ipAddress(let octets): ipAddressText(Array(octets.bytes))
            default: nil
            }
        }
    }

    private static func ipAddressText(_ bytes: [UInt8]) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let converted = bytes.withUnsafeBytes { address in inet_ntop(family, address.baseAddress, &text, socklen_t(text.count)) }
        return converted == nil ? nil : String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
