import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP server on the admin port: `GET /metrics` answers with what `render` returns
/// (the Prometheus text format in seatd), `GET /healthz` 200 while the process serves HTTP at
/// all, `GET /readyz` 200 when `unreadiness` says nothing and 503 with its reason otherwise;
/// anything else gets 404. Each response closes its connection, which is all a scraper or a
/// load balancer's health check needs.
public final class MetricsEndpoint: Sendable {
    private let channel: Channel

    private init(channel: Channel) {
        self.channel = channel
    }

    public var localPort: Int? { channel.localAddress?.port }

    public static func start(
        host: String,
        port: Int,
        group: EventLoopGroup,
        logger: Logger,
        render: @escaping @Sendable () -> [UInt8],
        unreadiness: @escaping @Sendable () -> String? = { nil }
    ) async throws -> MetricsEndpoint {
        let channel = try await ListenFailure.binding(host: host, port: port, purpose: "metrics") {
            try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(render: render, unreadiness: unreadiness))
                    }
                }
                .bind(host: host, port: port)
                .get()
        }
        logger.info("metrics", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return MetricsEndpoint(channel: channel)
    }

    public func stop() async {
        try? await channel.close()
    }
}

private final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () -> [UInt8]
    private let unreadiness: @Sendable () -> String?
    private var request: HTTPRequestHead?

    init(render: @escaping @Sendable () -> [UInt8], unreadiness: @escaping @Sendable () -> String?) {
        self.render = render
        self.unreadiness = unreadiness
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let request else { return }
            self.request = nil
            let (status, contentType, body) = answer(request)
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: contentType)
            headers.add(name: "content-length", value: "\(body.count)")
            headers.add(name: "connection", value: "close")
            let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func answer(_ request: HTTPRequestHead) -> (HTTPResponseStatus, String, [UInt8]) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard request.method == .GET else { return (.methodNotAllowed, "text/plain", Array("only GET\n".utf8)) }
        switch path {
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4", render())
        case "/healthz":
            return (.ok, "text/plain", Array("ok\n".utf8))
        case "/readyz":
            if let reason = unreadiness() { return (.serviceUnavailable, "text/plain", Array("not ready: \(reason)\n".utf8)) }
            return (.ok, "text/plain", Array("ready\n".utf8))
        default:
            return (.notFound, "text/plain", Array("not found; try GET /metrics, /healthz or /readyz\n".utf8))
        }
    }
}
