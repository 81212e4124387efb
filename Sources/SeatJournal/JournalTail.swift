#if canImport(Glibc)
import Glibc
#endif

/// Follows the journal's segment files while the server appends to them: hands out every
/// record after a starting LSN, in order, moving from segment to segment.
///
/// A reader must not go past ``JournalWriter/readableThrough``: up to there every record is
/// whole in the files, so anything that fails to decode is damage, not a write in progress.
public struct JournalTail: ~Copyable {
    /// Bytes read from a segment at a time.
    public static let readBytes = 1 << 20

    public let directory: String
    /// The keys of encrypted segments.
    public let keys: EncryptionKeys?
    /// The LSN of the next record to hand out.
    public private(set) var nextLSN: UInt64

    private var segmentPath = ""
    private var descriptor: Int32 = -1
    /// File offset of `buffer[0]`.
    private var bufferOffset = 0
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already handed out.
    private var consumed = 0
    /// In an encrypted segment, `buffer` holds the records of the frames read so far, and this
    /// the frames' own state: the file bytes not yet a whole frame, and where they start.
    private var frames: Frames?

    private struct Frames {
        let cipher: EncryptedSegment.Cipher
        var number: UInt32 = 0
        var raw: [UInt8] = []
        var rawOffset = EncryptedSegment.headerBytes
    }

    /// A tail that starts with the record after `lsn`; throws when the journal no longer holds it.
    public init(directory: String, after lsn: UInt64, keys: EncryptionKeys? = nil) throws(JournalError) {
        self.directory = directory
        self.keys = keys
        nextLSN = lsn + 1
        let segments = try JournalSegment.list(in: directory)
        guard let segment = segments.last(where: { $0.firstLSN <= nextLSN }) else {
            throw .gap(path: segments.first?.path ?? directory, expectedLSN: nextLSN, firstLSN: segments.first?.firstLSN ?? 0)
        }
        try open(segment.path)
        // Records within the segment start from its first LSN: step over those before ours.
        nextLSN = segment.firstLSN
        while nextLSN <= lsn { _ = try nextRecord() }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Hands `body` the records from ``nextLSN`` through `limit`, at most `recordsMax` of them,
    /// and returns how many.
    public mutating func read(
        through limit: UInt64,
        recordsMax: Int,
        _ body: (JournalRecord) throws -> Void
    ) throws -> Int {
        var count = 0
        while nextLSN <= limit, count < recordsMax {
            let record = try nextRecord()
            try body(record)
            count += 1
        }
        return count
    }

    /// Decodes the record at the cursor, reading more of the file, or moving to the next
    /// segment, as needed.
    private mutating func nextRecord() throws(JournalError) -> JournalRecord {
        while true {
            let decoded = buffer.withUnsafeBytes { JournalRecord.decode($0, at: consumed, expectedLSN: nextLSN) }
            switch decoded {
            case .success(let record):
                consumed += record.encodedBytes
                nextLSN += 1
                return record
            case .failure(.incompleteHeader), .failure(.incompletePayload):
                if try readMore() == 0 {
                    // This segment ends here: the record must open the next one.
                    guard consumed == buffer.count, frames?.raw.isEmpty ?? true else {
                        throw .corrupt(path: segmentPath, offset: bufferOffset + consumed, reason: "a record is cut short")
                    }
                    try openNextSegment()
                }
            case .failure(let problem):
                throw .corrupt(path: segmentPath, offset: bufferOffset + consumed, reason: problem.description)
            }
        }
    }

    /// Appends the next records of the segment to the buffer, dropping what was handed out;
    /// 0 at the end of what the file holds.
    private mutating func readMore() throws(JournalError) -> Int {
        if consumed > 0 {
            buffer.removeFirst(consumed)
            bufferOffset += consumed
            consumed = 0
        }
        guard var state = frames else {
            let end = bufferOffset + buffer.count
            return try Self.readFile(descriptor, segmentPath, at: end, into: &buffer)
        }
        // Whole frames only: the writer writes each frame in one go, and a reader stays within
        // `readableThrough`, so a frame that is whole and does not authenticate is damage.
        let added = buffer.count
        while true {
            var decodedAny = false
            while let (plaintext, frameBytes) = state.raw.withUnsafeBytes({ state.cipher.open($0, at: 0, number: state.number) }) {
                buffer += plaintext
                state.raw.removeFirst(frameBytes)
                state.rawOffset += frameBytes
                state.number += 1
                decodedAny = true
            }
            if state.raw.count >= 4 {
                let length = state.raw.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
                if state.raw.count >= 4 + length {
                    frames = state
                    throw .corrupt(path: segmentPath, offset: state.rawOffset, reason: "frame \(state.number) does not authenticate")
                }
            }
            if decodedAny { break }
            if try Self.readFile(descriptor, segmentPath, at: state.rawOffset + state.raw.count, into: &state.raw) == 0 { break }
        }
        frames = state
        return buffer.count - added
    }

    /// Appends up to `limit` bytes of the file from `offset` to `bytes`; how many, 0 at its end.
    ///
    /// The bytes are read into uninitialized memory and only those read are copied: filling
    /// `limit` bytes first cost a debug build tens of milliseconds a call, and a tail calls this
    /// at every segment's end, which stalled the persister for seconds behind frequent snapshots.
    private static func readFile(
        _ descriptor: Int32, _ path: String, at offset: Int, into bytes: inout [UInt8], limit: Int = readBytes
    ) throws(JournalError) -> Int {
        var failure: Int32 = 0
        let chunk = [UInt8](unsafeUninitializedCapacity: limit) { chunk, initialized in
            var count = 0
            repeat {
                count = pread(descriptor, chunk.baseAddress!, limit, off_t(offset))
            } while count < 0 && errno == EINTR
            if count < 0 { failure = errno }
            initialized = max(count, 0)
        }
        guard failure == 0 else { throw .io(operation: "read", path: path, errno: failure) }
        bytes.append(contentsOf: chunk)
        return chunk.count
    }

    /// Moves on to the segment that starts with ``nextLSN``: the current one ended before it.
    private mutating func openNextSegment() throws(JournalError) {
        guard let next = try JournalSegment.list(in: directory).first(where: { $0.firstLSN == nextLSN }) else {
            // A record through `readableThrough` is missing.
            throw .corrupt(path: segmentPath, offset: bufferOffset + consumed, reason: "the journal ends before LSN \(nextLSN)")
        }
        try open(next.path)
    }

    /// Opens a segment and checks its header, leaving the cursor on its first record.
    private mutating func open(_ path: String) throws(JournalError) {
        let opened = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        if descriptor >= 0 { close(descriptor) }
        descriptor = opened
        segmentPath = path
        buffer.removeAll(keepingCapacity: true)
        consumed = 0
        bufferOffset = 0
        frames = nil
        var header: [UInt8] = []
        // The header only: a tail may open many segments, and each read fills its buffer first.
        while header.count < EncryptedSegment.headerBytes,
            try Self.readFile(descriptor, path, at: header.count, into: &header, limit: EncryptedSegment.headerBytes - header.count) > 0
        {}
        if header.withUnsafeBytes({ EncryptedSegment.isEncrypted($0) }) {
            guard header.count >= EncryptedSegment.headerBytes else { throw .notASegment(path: path, reason: "shorter than its header") }
            do {
                let cipher = try header.withUnsafeBytes { try EncryptedSegment.verifyHeader($0, keys: keys, path: path) }
                frames = Frames(cipher: cipher)
            } catch let error as JournalError {
                throw error
            } catch let error as EncryptionError {
                throw .encryption(error)
            } catch {
                throw .failed("\(error)")
            }
            // The records start where a plain segment's would, in the buffer of plaintext.
            bufferOffset = JournalSegment.headerBytes
            return
        }
        guard header.count >= JournalSegment.headerBytes else { throw .notASegment(path: path, reason: "shorter than its header") }
        guard header[0..<JournalSegment.headerBytes].elementsEqual(JournalSegment.header) else {
            throw .notASegment(path: path, reason: "wrong magic or format version")
        }
        bufferOffset = JournalSegment.headerBytes
    }
}
