import NIOCore

/// The fixed 16-byte header in front of every frame, in both directions. Integers are big-endian.
///
/// ```
///  0       2       3       4               6               8                              12                             16
///  +-------+-------+-------+---------------+---------------+------------------------------+------------------------------+
///  | magic | vers. | flags |    opcode     |   reserved    |          request id          |        payload length        |
///  | "ST"  |  u8   |  u8   |     u16       |  u16, zero    |             u32              |             u32              |
///  +-------+-------+-------+---------------+---------------+------------------------------+------------------------------+
/// ```
///
/// The payload (`payload length` bytes, possibly none) follows at once; the next frame starts
/// right after it.
public struct FrameHeader: Hashable, Sendable {
    /// "ST", the first two bytes of every frame.
    public static let magic: UInt16 = 0x5354
    /// Bytes in a header; `Protocol/README.md` and the codec tests both pin it.
    public static let size = 16

    public var version: UInt8
    public var flags: FrameFlags
    public var opcode: Opcode
    public var requestID: UInt32
    public var payloadLength: UInt32

    public init(
        version: UInt8 = ProtocolVersion.current,
        flags: FrameFlags = [],
        opcode: Opcode,
        requestID: UInt32,
        payloadLength: UInt32 = 0
    ) {
        self.version = version
        self.flags = flags
        self.opcode = opcode
        self.requestID = requestID
        self.payloadLength = payloadLength
    }
}

/// Bits of the header's flags byte.
public struct FrameFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The frame answers the request with the same request id.
    public static let response = FrameFlags(rawValue: 1 << 0)
    /// The response is a refusal: its payload is an ``ErrorReply``.
    public static let error = FrameFlags(rawValue: 1 << 1)
    /// The server sent the frame unasked (a subscription's seat event); its request id is 0.
    public static let event = FrameFlags(rawValue: 1 << 2)

    /// Every bit version 1 defines; a frame with any other bit set is refused.
    public static let known: FrameFlags = [.response, .error, .event]
}

/// Protocol versions this implementation speaks.
public enum ProtocolVersion {
    public static let current: UInt8 = 1
    public static let supported: ClosedRange<UInt8> = 1...1
}

/// One whole frame: its header and exactly `payloadLength` bytes of payload.
public struct Frame: Hashable, Sendable {
    public var header: FrameHeader
    public var payload: ByteBuffer

    public init(header: FrameHeader, payload: ByteBuffer) {
        self.header = header
        self.payload = payload
    }
}

extension ByteBuffer {
    /// Writes `header` followed by `payload`, setting the header's length from the payload.
    @discardableResult
    public mutating func writeFrame(_ header: FrameHeader, payload: ByteBuffer) -> Int {
        var header = header
        header.payloadLength = UInt32(payload.readableBytes)
        return writeFrameHeader(header) + writeImmutableBuffer(payload)
    }

    /// Writes a frame whose payload `writePayload` appends in place, with no intermediate buffer.
    @discardableResult
    public mutating func writeFrame(_ header: FrameHeader, writePayload: (inout ByteBuffer) -> Void) -> Int {
        let start = writerIndex
        writeFrameHeader(header)
        writePayload(&self)
        let payloadLength = writerIndex - start - FrameHeader.size
        setInteger(UInt32(payloadLength), at: start + 12)
        return writerIndex - start
    }

    @discardableResult
    mutating func writeFrameHeader(_ header: FrameHeader) -> Int {
        writeMultipleIntegers(
            FrameHeader.magic, header.version, header.flags.rawValue, header.opcode.rawValue, UInt16(0),
            header.requestID, header.payloadLength)
    }
}
