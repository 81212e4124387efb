import CLZ4

/// LZ4 in its frame format (the format of the `lz4` command: `lz4 -d` reads what this writes),
/// through Debian's liblz4.
public enum LZ4Frame {
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public let operation: String
        public let reason: String
        public var description: String { "LZ4 \(operation): \(reason)" }
    }

    /// Compresses `bytes` into one LZ4 frame of independent 4 MB blocks. The frame's content
    /// checksum (xxHash32 of `bytes`, checked by `decompress` and `lz4 -d`) is a second pass over
    /// the input: leave it out only when `bytes` carry a checksum of their own.
    public static func compress(_ bytes: [UInt8], contentChecksum: Bool = true) throws(Failure) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.contentChecksumFlag = contentChecksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentSize = UInt64(bytes.count)
        let bound = LZ4F_compressFrameBound(bytes.count, &preferences)
        var written = 0
        // Not zero-filled first: the bound exceeds the input, so filling it would be another
        // pass over more bytes than the compression reads.
        let output = [UInt8](unsafeUninitializedCapacity: bound) { destination, count in
            written = bytes.withUnsafeBytes { source in
                LZ4F_compressFrame(destination.baseAddress, destination.count, source.baseAddress, source.count, &preferences)
            }
            count = LZ4F_isError(written) == 0 ? written : 0
        }
        try check(written, "compress")
        return output
    }

    /// Decompresses one whole LZ4 frame; at most `limit` bytes come out, more is an error.
    public static func decompress(_ frame: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var context: OpaquePointer?
        try check(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION)), "create context")
        defer { LZ4F_freeDecompressionContext(context) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var consumed = 0
        var hint = 1
        while hint != 0 {
            guard consumed < frame.count else { throw Failure(operation: "decompress", reason: "the frame ends early") }
            var sourceSize = frame.count - consumed
            var destinationSize = chunk.count
            hint = frame.withUnsafeBytes { source in
                chunk.withUnsafeMutableBytes { destination in
                    LZ4F_decompress(
                        context, destination.baseAddress, &destinationSize, source.baseAddress! + consumed, &sourceSize, nil)
                }
            }
            try check(hint, "decompress")
            consumed += sourceSize
            guard output.count + destinationSize <= limit else {
                throw Failure(operation: "decompress", reason: "more than \(limit) bytes")
            }
            output.append(contentsOf: chunk[0..<destinationSize])
            if sourceSize == 0 && destinationSize == 0 && hint != 0 {
                throw Failure(operation: "decompress", reason: "no progress: the frame is damaged")
            }
        }
        guard consumed == frame.count else {
            throw Failure(operation: "decompress", reason: "\(frame.count - consumed) bytes after the frame")
        }
        return output
    }

    private static func check(_ code: Int, _ operation: String) throws(Failure) {
        if LZ4F_isError(code) != 0 {
            throw Failure(operation: operation, reason: String(cString: LZ4F_getErrorName(code)))
        }
    }
}
