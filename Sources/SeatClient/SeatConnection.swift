import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SeatProtocol

/// One authenticated connection to a seat server. Calls from any number of tasks are pipelined
/// on it, up to the server's in-flight limit; beyond that they wait their turn here rather than
/// be refused by the server.
public final class SeatConnection: Sendable {
    /// Events kept for a consumer of ``events`` that falls behind; older ones are dropped, and
    /// the gap in sequence numbers says so.
    public static let eventsBufferedMax = 65_536

    /// The server's HELLO: the version agreed, this connection's role, and the server's limits.
    public let hello: HelloReply
    /// Seat events of the shows this connection subscribed to, in the order they arrived.
    public let events: AsyncStream<SeatEvent>
    private let channel: Channel
    private let permits: NIOLockedValueBox<Permits>

    private struct Permits {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private init(channel: Channel, hello: HelloReply, events: AsyncStream<SeatEvent>) {
        self.channel = channel
        self.hello = hello
        self.events = events
        permits = NIOLockedValueBox(Permits(available: max(1, Int(hello.inFlightRequestsMax))))
    }

    /// Connects, over TLS when `tls` is given (verifying the server's certificate for `host`
    /// unless the configuration says otherwise), and says HELLO with `apiKey`.
    public static func connect(
        host: String,
        port: Int,
        apiKey: String,
        clientName: String = "SeatClient",
        tls: TLSConfiguration? = nil,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(SeatClientError) -> SeatConnection {
        let tlsContext: NIOSSLContext?
        do {
            tlsContext = try tls.map { try NIOSSLContext(configuration: $0) }
        } catch {
            throw .connectFailed("TLS configuration: \(error)")
        }
        let (events, eventSink) = AsyncStream.makeStream(
            of: SeatEvent.self, bufferingPolicy: .bufferingNewest(eventsBufferedMax))
        let helloRequest = Request.hello(Hello(apiKey: apiKey, clientName: clientName))
        let connected: (channel: Channel, reply: Response)
        do {
            // HELLO leaves from the event loop the moment the connection is up, so a caller whose
            // tasks are slow to be scheduled is not cut off by the server's handshake timeout.
            connected = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tlsContext {
                            // An IP address is not a valid SNI name; the certificate is still checked against it.
                            let isIPAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                            let serverName = isIPAddress ? nil : host
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(FrameDecoder(firstFramePayloadBytesMax: nil)),
                            ClientHandler(onEvent: { eventSink.yield($0) }),
                        ])
                    }
                }
                .connect(host: host, port: port)
                .flatMapError { error in
                    group.any().makeFailedFuture(SeatClientError(connecting: error, host: host, port: port))
                }
                .flatMap { channel in
                    channel.closeFuture.whenComplete { _ in eventSink.finish() }
                    return send(helloRequest, on: channel)
                        .map { (channel, $0) }
                        .flatMapErrorThrowing { error in
                            channel.close(promise: nil)
                            throw error
                        }
                }
                .get()
        } catch let error as SeatClientError {
            throw error
        } catch {
            throw SeatClientError(connecting: error, host: host, port: port)
        }
        let channel = connected.channel
        guard case .hello(let hello) = connected.reply else {
            channel.close(promise: nil)
            throw .unexpectedResponse("HELLO answered with \(connected.reply)")
        }
        return SeatConnection(channel: channel, hello: hello, events: events)
    }

    /// Sends `request` and waits for its answer.
    public func send(_ request: Request) async throws(SeatClientError) -> Response {
        await acquirePermit()
        defer { releasePermit() }
        return try await Self.send(request, on: channel)
    }

    private static func send(_ request: Request, on channel: Channel) async throws(SeatClientError) -> Response {
        do {
            return try await send(request, on: channel).get()
        } catch let error as SeatClientError {
            throw error
        } catch {
            throw .connectionClosed
        }
    }

    /// Writes `request`; the future fails with ``SeatClientError`` only.
    private static func send(_ request: Request, on channel: Channel) -> EventLoopFuture<Response> {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        channel.writeAndFlush(OutgoingRequest(request: request, promise: promise)).whenFailure { error in
            promise.fail(SeatClientError.connectionClosed)
        }
        return promise.futureResult
    }

    /// Whether the connection is still open.
    public var isActive: Bool { channel.isActive }

    /// Closes the connection; calls waiting for answers fail with ``SeatClientError/connectionClosed``.
    public func close() async {
        try? await channel.close()
    }

    private func acquirePermit() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = permits.withLockedValue { permits in
                guard permits.available > 0 else {
                    permits.waiting.append(continuation)
                    return false
                }
                permits.available -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    private func releasePermit() {
        let next = permits.withLockedValue { permits in
            guard !permits.waiting.isEmpty else {
                permits.available += 1
                return nil as CheckedContinuation<Void, Never>?
            }
            return permits.waiting.removeFirst()  // the permit passes straight to the next waiter
        }
        next?.resume()
    }
}
