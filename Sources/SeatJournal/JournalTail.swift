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
    /// The LSN of the next record to hand out.
    public private(set) var nextLSN: UInt64

    private var segmentPath = ""
    private var descriptor: Int32 = -1
    /// File offset of `buffer[0]`.
    private var bufferOffset = 0
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already handed out.
    private var consumed = 0

    /// A tail that starts with the record after `lsn`; throws when the journal no longer holds it.
    public init(directory: String, after lsn: UInt64) throws(JournalError) {
        self.directory = directory
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
                    guard consumed == buffer.count else {
                        throw .corrupt(path: segmentPath, offset: bufferOffset + consumed, reason: "a record is cut short")
                    }
                    try openNextSegment()
                }
            case .failure(let problem):
                throw .corrupt(path: segmentPath, offset: bufferOffset + consumed, reason: problem.description)
            }
        }
    }

    /// Appends the next bytes of the segment to the buffer, dropping what was handed out; 0 at
    /// the end of the file.
    private mutating func readMore() throws(JournalError) -> Int {
        if consumed > 0 {
            buffer.removeFirst(consumed)
            bufferOffset += consumed
            consumed = 0
        }
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.readBytes))
        var count = 0
        repeat {
            count = buffer.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + start, Self.readBytes, off_t(bufferOffset + start))
            }
        } while count < 0 && errno == EINTR
        guard count >= 0 else {
            let failure = errno
            buffer.removeLast(Self.readBytes)
            throw .io(operation: "read", path: segmentPath, errno: failure)
        }
        buffer.removeLast(Self.readBytes - count)
        return count
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
        while buffer.count < JournalSegment.headerBytes {
            guard try readMore() > 0 else { throw .notASegment(path: path, reason: "shorter than its header") }
        }
        guard buffer[0..<JournalSegment.headerBytes].elementsEqual(JournalSegment.header) else {
            throw .notASegment(path: path, reason: "wrong magic or format version")
        }
        consumed = JournalSegment.headerBytes
    }
}
