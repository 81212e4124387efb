import NIOCore
import NIOPosix
import SeatProtocol

/// Frames over a bare TCP connection, for what a client library would not send: malformed
/// bytes, half-closes, bursts past the limits.
public enum RawFrames {
    /// What came back from one ``exchange(_:finishSending:port:group:within:)``.
    public struct Exchange: Sendable {
        public var frames: [Frame]
        /// Whether the server closed the connection (an orderly close or a reset) in time.
        public var closedByServer: Bool

        /// The first error reply among the frames.
        public var firstError: ErrorReply? {
            frames.lazy.compactMap { frame -> ErrorReply? in
                guard frame.header.flags.contains(.error) else { return nil }
                var payload = frame.payload
                return try? ErrorReply.decode(from: &payload)
            }.first
        }
    }

    /// The HELLO frame a connection opens with, request id 1.
    public static func hello(apiKey: String, into buffer: inout ByteBuffer) {
        buffer.writeFrame(FrameHeader(opcode: .hello, requestID: 1)) {
            Request.hello(Hello(apiKey: apiKey, clientName: "raw frames")).encodePayload(into: &$0)
        }
    }

    /// A connection that may close its sending side while still reading.
    public static func connect(port: Int, group: EventLoopGroup) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
    }

    /// Sends `bytes` (then closes the sending side when `finishSending`) and reads frames until
    /// the server closes the connection, `within` passes, or a frame `isLast`.
    public static func exchange(
        _ bytes: ByteBuffer, finishSending: Bool = false, port: Int, group: EventLoopGroup, within: Duration = .seconds(20),
        isLast: (Frame) -> Bool = { _ in false }
    ) async throws -> Exchange {
        let channel = try await connect(port: port, group: group)
        let timeout = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(within / .nanoseconds(1)))) {
            channel.channel.close(promise: nil)
        }
        let result = try await channel.executeThenClose { inbound, outbound in
            do {
                if bytes.readableBytes > 0 { try await outbound.write(bytes) }
                if finishSending { outbound.finish() }
            } catch ChannelError.ioOnClosedChannel {
                // The server closed first (a refusal sent on accepting): read what it said.
            }
            var reader = Reader(inbound: inbound.makeAsyncIterator())
            var frames: [Frame] = []
            while let frame = try await reader.next() {
                frames.append(frame)
                if isLast(frame) { return (frames: frames, ended: false) }
            }
            return (frames: frames, ended: true)
        }
        timeout.cancel()
        let timedOut = (try? await timeout.futureResult.get()) != nil
        return Exchange(frames: result.frames, closedByServer: result.ended && !timedOut)
    }

    /// Cuts what arrives into frames.
    public struct Reader {
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var received = ByteBuffer()
        var decoder = FrameDecoder(firstFramePayloadBytesMax: nil)

        public init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
            self.inbound = inbound
        }

        /// The next frame, or nil once the connection has closed (a reset counts as a close).
        public mutating func next() async throws -> Frame? {
            while true {
                if let frame = try decoder.nextFrame(from: &received) { return frame }
                let chunk: ByteBuffer?
                do {
                    chunk = try await inbound.next()
                } catch let error as IOError where error.errnoCode == ECONNRESET {
                    chunk = nil
                }
                guard let chunk else { return nil }
                received.writeImmutableBuffer(chunk)
            }
        }
    }
}
