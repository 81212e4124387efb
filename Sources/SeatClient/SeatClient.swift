import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SeatProtocol

/// A pool of connections to one seat server, for many tasks at once: calls go round-robin over
/// the connections, each pipelined; a connection that closes is replaced on next use, retrying
/// with capped exponential backoff.
public final class SeatClient: Sendable {
    /// Where the server is, how to present oneself, and how the pool connects.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The API key every connection presents in its HELLO; its role decides what it may do.
        public var apiKey: String
        /// The name the server logs for these connections.
        public var clientName = "SeatClient"
        /// TLS to use; nil for plain TCP.
        public var tls: TLSConfiguration?
        /// Connections in the pool; each pipelines its calls.
        public var connections = 1
        /// Attempts to connect before a call fails with ``SeatClientError/noServer(host:port:)`` or
        /// ``SeatClientError/connectFailed(_:)``.
        public var connectAttemptsMax = 5
        /// The wait before the second attempt to connect, doubled after each failure up to ``backoffMax``.
        public var backoffInitial: Duration = .milliseconds(50)
        public var backoffMax: Duration = .seconds(2)

        public init(host: String, port: Int, apiKey: String) {
            self.host = host
            self.port = port
            self.apiKey = apiKey
        }
    }

    public let configuration: Configuration
    private let group: EventLoopGroup
    private let slots: [NIOLockedValueBox<SeatConnection?>]
    private let nextSlot = NIOLockedValueBox(0)

    /// A pool that connects on first use, on `group`'s event loops.
    public init(configuration: Configuration, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
        slots = (0..<max(1, configuration.connections)).map { _ in NIOLockedValueBox(nil) }
    }

    /// Sends `request` on the next connection of the pool.
    public func send(_ request: Request) async throws(SeatClientError) -> Response {
        let slot = nextSlot.withLockedValue { next in
            defer { next = (next + 1) % slots.count }
            return next
        }
        return try await connection(slot).send(request)
    }

    /// A dedicated connection, outside the pool: for subscriptions, whose events belong to one connection.
    public func connect() async throws(SeatClientError) -> SeatConnection {
        try await connectWithBackoff()
    }

    /// Closes every connection of the pool; calls after it connect again.
    public func close() async {
        for slot in slots {
            let connection = slot.withLockedValue { connection in
                defer { connection = nil }
                return connection
            }
            await connection?.close()
        }
    }

    private func connection(_ slot: Int) async throws(SeatClientError) -> SeatConnection {
        if let existing = slots[slot].withLockedValue({ $0 }), existing.isActive { return existing }
        let fresh = try await connectWithBackoff()
        // Two tasks may both have connected; keep the first, close the other.
        let kept = slots[slot].withLockedValue { current in
            if let current, current.isActive { return current }
            current = fresh
            return fresh
        }
        if kept !== fresh { await fresh.close() }
        return kept
    }

    private func connectWithBackoff() async throws(SeatClientError) -> SeatConnection {
        var delay = configuration.backoffInitial
        var attempt = 1
        while true {
            do {
                return try await SeatConnection.connect(
                    host: configuration.host, port: configuration.port, apiKey: configuration.apiKey,
                    clientName: configuration.clientName, tls: configuration.tls, group: group)
            } catch {
                // A refused key will not become right by retrying.
                guard error.isConnectFailure, attempt < configuration.connectAttemptsMax else { throw error }
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, configuration.backoffMax)
            attempt += 1
        }
    }
}
