import NIOCore

/// A Redis reply (RESP2), as far as the load generator reads them.
enum RESPValue {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// Nil is Redis's "no value" (a `SET NX` that found the key taken).
    case bulkString(ByteBuffer?)
    case array([RESPValue]?)
}

/// Splits a Redis connection's bytes into replies. Lengths are bounded so a broken peer
/// cannot make the client buffer without limit.
struct RESPValueDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// Bytes of one bulk string; the load generator's replies are a few dozen.
    static let bulkBytesMax = 1 << 20
    /// Elements of one array.
    static let arrayCountMax = 1 << 16

    struct MalformedReply: Error, CustomStringConvertible {
        let description: String
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var peek = buffer
        guard let value = try Self.parse(&peek) else { return .needMoreData }
        buffer = peek
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    /// One whole value from the front of `buffer`, or nil (and `buffer` in some state the
    /// caller discards) when it has not all arrived.
    static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        guard let kind = buffer.readInteger(as: UInt8.self), let line = readLine(&buffer) else { return nil }
        switch kind {
        case UInt8(ascii: "+"): return .simpleString(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"):
            guard let value = Int64(line) else { throw MalformedReply(description: "integer reply '\(line)'") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(line), (-1...bulkBytesMax).contains(length) else {
                throw MalformedReply(description: "bulk length '\(line)'")
            }
            guard length >= 0 else { return .bulkString(nil) }
            guard buffer.readableBytes >= length + 2, let bytes = buffer.readSlice(length: length) else { return nil }
            buffer.moveReaderIndex(forwardBy: 2)
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line), (-1...arrayCountMax).contains(count) else {
                throw MalformedReply(description: "array count '\(line)'")
            }
            guard count >= 0 else { return .array(nil) }
            var elements: [RESPValue] = []
            for _ in 0..<count {
                guard let element = try parse(&buffer) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw MalformedReply(description: "reply type byte \(kind)")
        }
    }

    /// The text up to CRLF, consumed with it; nil if the line has not all arrived.
    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")), view.index(after: cr) < view.endIndex else { return nil }
        let line = buffer.readString(length: cr - view.startIndex)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}

extension ByteBuffer {
    /// Writes a Redis command as an array of bulk strings.
    mutating func writeRESPCommand(_ arguments: [RESPArgument]) {
        writeStaticString("*")
        writeDecimal(UInt64(arguments.count))
        writeStaticString("\r\n")
        for argument in arguments {
            writeStaticString("$")
            switch argument {
            case .text(let text):
                writeDecimal(UInt64(text.utf8.count))
                writeStaticString("\r\n")
                writeString(text)
            case .number(let number):
                writeDecimal(UInt64(number.decimalDigitCount))
                writeStaticString("\r\n")
                writeDecimal(number)
            case .seatKey(let show, let seat):
                // s:<show>:<seat>
                writeDecimal(UInt64(3 + UInt64(show).decimalDigitCount + UInt64(seat).decimalDigitCount))
                writeStaticString("\r\ns:")
                writeDecimal(UInt64(show))
                writeStaticString(":")
                writeDecimal(UInt64(seat))
            }
            writeStaticString("\r\n")
        }
    }

    /// ASCII digits without building a String: the client's cost per request stays small.
    mutating func writeDecimal(_ value: UInt64) {
        let count = value.decimalDigitCount
        writeRepeatingByte(0, count: count)
        var rest = value
        for offset in stride(from: writerIndex - 1, through: writerIndex - count, by: -1) {
            setInteger(UInt8(ascii: "0") + UInt8(rest % 10), at: offset)
            rest /= 10
        }
    }
}

/// One argument of a Redis command.
enum RESPArgument {
    case text(String)
    case number(UInt64)
    /// A seat's key, `s:<show>:<seat>`.
    case seatKey(show: UInt32, seat: UInt32)
}

extension UInt64 {
    var decimalDigitCount: Int {
        var count = 1
        var rest = self
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }
}
