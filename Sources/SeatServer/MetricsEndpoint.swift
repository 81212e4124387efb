import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP server on the admin port: `GET /metrics` answers with what `render` returns
/// (the Prometheus text format in seatd); anything else gets 404. Each response closes its
/// connection, which is all a scraper needs.
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
        render: @escaping @Sendable () -> [UInt8]
    ) async throws -> MetricsEndpoint {
        let channel = try await ListenFailure.binding(host: host, port: port, purpose: "metrics") {
            try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(render: render))
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
    private var request: HTTPRequestHead?

    init(render: @escaping @Sendable () -> [UInt8]) {
        self.render = render
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
            let found = request.method == .GET && request.uri.split(separator: "?").first == "/metrics"
            let body = found ? render() : Array("not found; try GET /metrics\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: found ? "text/plain; version=0.0.4" : "text/plain")
            headers.add(name: "content-length", value: "\(body.count)")
            headers.add(name: "connection", value: "close")
            let head = HTTPResponseHead(version: request.version, status: found ? .ok : .notFound, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
