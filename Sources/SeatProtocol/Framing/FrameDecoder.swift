import NIOCore

/// Why bytes could not be cut into frames. After any of these the stream cannot be resynchronised.
public enum FrameError: Error, Hashable, Sendable, CustomStringConvertible {
    case badMagic(UInt16)
    case unsupportedVersion(UInt8)
    case reservedFieldNotZero(UInt16)
    case payloadTooLarge(length: Int, limit: Int)

    public var description: String {
        switch self {
        case .badMagic(let magic): "frame starts with 0x\(String(magic, radix: 16)), not \"ST\" (0x5354)"
        case .unsupportedVersion(let version): "frame version \(version); this connection speaks version \(ProtocolVersion.current)"
        case .reservedFieldNotZero(let value): "reserved header field is \(value), not 0"
        case .payloadTooLarge(let length, let limit): "payload of \(length) bytes exceeds the limit of \(limit)"
        }
    }

    public var errorCode: ErrorCode {
        switch self {
        case .badMagic, .unsupportedVersion, .reservedFieldNotZero: .malformedFrame
        case .payloadTooLarge: .frameTooLarge
        }
    }
}

/// Cuts a byte stream into ``Frame``s. Checks the header as soon as its 16 bytes are in, in this
/// order: magic, version, the reserved field, the length, so a bad header is refused before its
/// payload is buffered. Flags and opcode are left to ``ServerConnectionStateMachine``, which can
/// answer them and go on.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Frame

    let payloadBytesMax: Int
    /// The limit for the first frame only, which must be a HELLO; nil once it has passed.
    var firstFramePayloadBytesMax: Int?

    public init(
        payloadBytesMax: Int = ProtocolLimits.payloadBytesMax,
        firstFramePayloadBytesMax: Int? = ProtocolLimits.helloPayloadBytesMax
    ) {
        self.payloadBytesMax = payloadBytesMax
        self.firstFramePayloadBytesMax = firstFramePayloadBytesMax
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// The next whole frame, or nil (reader index unmoved) when `buffer` does not hold one yet.
    public mutating func nextFrame(from buffer: inout ByteBuffer) throws(FrameError) -> Frame? {
        guard
            let (magic, version, flags, opcode, reserved, requestID, length) = buffer.getMultipleIntegers(
                at: buffer.readerIndex, as: (UInt16, UInt8, UInt8, UInt16, UInt16, UInt32, UInt32).self)
        else { return nil }
        guard magic == FrameHeader.magic else { throw .badMagic(magic) }
        // Version 1 is the only one; a later one would be the version HELLO negotiated.
        guard version == ProtocolVersion.current else { throw .unsupportedVersion(version) }
        guard reserved == 0 else { throw .reservedFieldNotZero(reserved) }
        let limit = firstFramePayloadBytesMax ?? payloadBytesMax
        guard length <= limit else { throw .payloadTooLarge(length: Int(length), limit: limit) }
        guard buffer.readableBytes >= FrameHeader.size + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: FrameHeader.size)
        let payload = buffer.readSlice(length: Int(length))!
        firstFramePayloadBytesMax = nil
        let header = FrameHeader(
            version: version, flags: FrameFlags(rawValue: flags), opcode: Opcode(rawValue: opcode),
            requestID: requestID, payloadLength: length)
        return Frame(header: header, payload: payload)
    }
}
