import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SeatInventory
import SeatProtocol
import ServiceLifecycle

/// How a ``SeatServer`` listens and behaves.
public struct SeatServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (see ``SeatServer/localPort``).
    public var port = 7400
    /// The keys every connection may present, unless the service keeps a key store
    /// (``SeatService/apiKeys``), which then answers instead.
    public var keyring: APIKeyring
    public var inFlightRequestsMax = ProtocolLimits.inFlightRequestsMax
    /// Open connections at most; one more is answered `TOO_MANY_CONNECTIONS` and closed.
    public var connectionsMax = 4096
    /// Seat event bytes one connection may hold back behind answers that wait for the journal;
    /// past it, events are dropped (and counted) as for a subscriber that cannot keep up.
    public var parkedEventBytesMax = 1 << 20
    /// A connection must complete its HELLO, and a started frame must complete, within this.
    public var readTimeout: TimeAmount = .seconds(10)
    /// How often holds past their deadline are swept; operations on a late hold expire it anyway.
    public var expirySweepInterval: TimeAmount = .milliseconds(250)
    /// How long a shutdown waits for connections to answer what they received.
    public var drainTimeout: TimeAmount = .seconds(5)
    /// While draining, a connection closes once everything it received is answered and its peer
    /// sent nothing for this long: requests already on their way are refused, not lost.
    public var drainQuietPeriod: TimeAmount = .milliseconds(100)
    /// When set, every connection speaks TLS first (the protocol is unchanged inside it).
    public var tls: TLSConfiguration?

    public init(keyring: APIKeyring) {
        self.keyring = keyring
    }
}

/// The seat inventory on a TCP port: accepts connections, runs their requests on the event
/// loops (engine operations take microseconds and never block), pushes seat events to
/// subscribers and sweeps expired holds.
public final class SeatServer: Service, Sendable {
    public let configuration: SeatServerConfiguration
    public let service: SeatService
    public let feeds: ShowFeeds
    private let group: EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var listener: Channel?
        var connections: [ObjectIdentifier: Channel] = [:]
        var sweeper: RepeatedTask?
    }

    public init(
        configuration: SeatServerConfiguration,
        service: SeatService,
        feeds: ShowFeeds,
        group: EventLoopGroup,
        logger: Logger
    ) {
        self.configuration = configuration
        self.service = service
        self.feeds = feeds
        self.group = group
        self.logger = logger
    }

    /// The port the server listens on, once started.
    public var localPort: Int? { state.withLockedValue { $0.listener?.localAddress?.port } }

    /// Binds the port and starts sweeping expired holds.
    public func start() async throws {
        let configuration = configuration
        let service = service
        let feeds = feeds
        let logger = logger
        let tlsContext = try configuration.tls.map { try NIOSSLContext(configuration: $0) }
        let helloTemplate = HelloReply(
            version: ProtocolVersion.current, role: .reader,
            inFlightRequestsMax: UInt16(clamping: configuration.inFlightRequestsMax),
            seatsPerOperationMax: UInt16(clamping: service.engine.configuration.seatsPerReservationMax),
            serverTimeMilliseconds: 0)
        let listener = try await ListenFailure.binding(host: configuration.host, port: configuration.port, purpose: "the protocol") {
            try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                // A peer that sends its last request and closes its side still gets the answer.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { [weak self] channel in
                    guard let self, self.track(channel) else {
                        return Self.refuseOverLimit(channel, limit: configuration.connectionsMax, service: service)
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        if let tlsContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext))
                        }
                        try channel.pipeline.syncOperations.addHandlers([
                            BackPressureHandler(),
                            IdleStateHandler(readTimeout: configuration.readTimeout),
                            ConnectionHandler(
                                machine: ConnectionStateMachine(
                                    admission: ServerConnectionStateMachine(
                                        keyring: service.apiKeys ?? configuration.keyring,
                                        inFlightRequestsMax: configuration.inFlightRequestsMax),
                                    limits: .init(queuedEventBytesMax: configuration.parkedEventBytesMax)),
                                service: service, feeds: feeds, helloTemplate: helloTemplate,
                                drainQuietPeriod: configuration.drainQuietPeriod, logger: logger),
                        ])
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        }
        let sweeper = group.next().scheduleRepeatedTask(
            initialDelay: configuration.expirySweepInterval, delay: configuration.expirySweepInterval
        ) { _ in
            service.engine.expireHolds(at: service.clock.now)
        }
        state.withLockedValue {
            $0.listener = listener
            $0.sweeper = sweeper
        }
        logger.info(
            "listening",
            metadata: [
                "address": "\(listener.localAddress.map { "\($0)" } ?? "?")", "tls": "\(tlsContext != nil)",
            ])
    }

    /// Why the server should not be sent new work now, or nil when it should: it listens, is not
    /// shutting down, and its journal takes changes. What `GET /readyz` answers.
    public var unreadiness: String? {
        guard state.withLockedValue({ $0.listener }) != nil else { return "not listening (starting or shutting down)" }
        if let writer = service.journal?.writer {
            do {
                try writer.admit()
            } catch {
                return "the journal takes no changes: \(error)"
            }
        }
        return nil
    }

    /// Runs until graceful shutdown (SIGTERM / SIGINT through ServiceLifecycle), then drains.
    public func run() async throws {
        if state.withLockedValue({ $0.listener }) == nil { try await start() }
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting, answers what every connection has received, then closes them.
    public func shutdown() async {
        let (listener, connections, sweeper) = state.withLockedValue { state in
            defer { state.listener = nil }
            return (state.listener, Array(state.connections.values), state.sweeper)
        }
        guard let listener else { return }
        logger.info("shutting down", metadata: ["connections": "\(connections.count)"])
        sweeper?.cancel()
        try? await listener.close()
        for connection in connections {
            connection.pipeline.fireUserInboundEventTriggered(DrainEvent())
        }
        let deadline = NIODeadline.now() + configuration.drainTimeout
        for connection in connections {
            let closed = connection.closeFuture
            let timeout = connection.eventLoop.scheduleTask(deadline: deadline) { connection.close(promise: nil) }
            try? await closed.get()
            timeout.cancel()
        }
        logger.info("stopped")
    }

    /// Counts a new connection in; false when the server has `connectionsMax` already.
    private func track(_ channel: Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let admitted = state.withLockedValue { state in
            guard state.connections.count < configuration.connectionsMax else { return false }
            state.connections[id] = channel
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.state.withLockedValue { _ = $0.connections.removeValue(forKey: id) }
        }
        return true
    }

    /// Answers a connection over the limit with `TOO_MANY_CONNECTIONS` before it says anything,
    /// then closes it once the answer is written: the client learns why rather than seeing a reset.
    private static func refuseOverLimit(_ channel: Channel, limit: Int, service: SeatService) -> EventLoopFuture<Void> {
        service.statistics.add(.connectionsRefused)
        var frame = channel.allocator.buffer(capacity: 128)
        let error = ErrorReply(
            .tooManyConnections, detail: UInt64(limit),
            message: "the server has \(limit) connections open, its limit; try again later")
        frame.writeFrame(FrameHeader(flags: [.response, .error], opcode: Opcode(rawValue: 0), requestID: 0)) {
            error.encode(into: &$0)
        }
        channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        return channel.eventLoop.makeSucceededVoidFuture()
    }
}
