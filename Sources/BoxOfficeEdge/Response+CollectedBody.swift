import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// Reads the whole body into memory and puts it back as one buffer, so a middleware can
    /// both inspect it (to store or tag it) and send it. For our own JSON answers, which are
    /// small; never for streams.
    mutating func collectBody() async throws -> ByteBuffer {
        let collector = BodyCollector()
        try await body.write(CollectingWriter(collector: collector))
        body = .init(byteBuffer: collector.buffer)
        return collector.buffer
    }
}

/// Where `CollectingWriter` puts the bytes: written, then read, by the one task that collects.
private final class BodyCollector: @unchecked Sendable {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let collector: BodyCollector

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        collector.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
