#if canImport(Glibc)
import Glibc
#endif

/// Reads a journal back at start-up.
///
/// Segments are read in LSN order and every record is checked: its checksum, its length, and
/// that its LSN continues the one before. A damaged record in the last segment with no valid
/// record after it is a torn tail, the remains of a write the crash interrupted: it is reported,
/// and cut off by ``TornTail/cut()`` once the caller has made the state before it safe. Damage
/// anywhere else stops recovery with the file and offset, because
/// skipping it would drop changes that were acknowledged.
public enum JournalRecovery {
    public struct TornTail: Hashable, Sendable {
        public let path: String
        /// Where the valid records end; 0 when the segment's header itself is cut short.
        public let offset: Int
        public let discardedBytes: Int
        public let reason: String

        /// Removes the damaged bytes, so that the journal can be appended to again: the file is
        /// truncated at `offset`, or deleted when not even its header was whole.
        public func cut() throws(JournalError) {
            if offset == 0 {
                guard unlink(path) == 0 || errno == ENOENT else { throw .io(operation: "unlink", path: path, errno: errno) }
                try JournalFiles.syncDirectory(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]))
            } else {
                try JournalFiles.truncate(path, to: offset)
            }
        }
    }

    public struct Outcome: Hashable, Sendable {
        /// The LSN of the last valid record, or `startingAfter` when there is none after it.
        public let lastLSN: UInt64
        /// Records handed to `apply`.
        public let replayedRecords: Int
        /// Bytes of records the snapshot covers, passed over unread or unchecked.
        public let bytesSkipped: Int
        public let segments: Int
        public let tornTail: TornTail?
    }

    /// Hands every record after `startingAfter` to `apply`, in LSN order, and finds a torn tail;
    /// changes no file.
    ///
    /// `startingAfter` is the LSN a snapshot covers (0 without one): segments may begin later
    /// only if nothing after it is missing. Encrypted segments need their keys in `keys`; one
    /// whose key is missing or wrong stops recovery, naming it.
    public static func replay(
        directory: String,
        startingAfter snapshotLSN: UInt64 = 0,
        keys: EncryptionKeys? = nil,
        apply: (JournalRecord) throws -> Void
    ) throws -> Outcome {
        let segments = try JournalSegment.list(in: directory)
        var expected: UInt64?
        var replayed = 0
        var skipped = 0
        var lastLSN = snapshotLSN
        var tornTail: TornTail?
        var buffer: [UInt8] = []
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            if let expected, segment.firstLSN != expected {
                throw JournalError.gap(path: segment.path, expectedLSN: expected, firstLSN: segment.firstLSN)
            }
            if expected == nil, segment.firstLSN > snapshotLSN + 1 {
                throw JournalError.gap(path: segment.path, expectedLSN: snapshotLSN + 1, firstLSN: segment.firstLSN)
            }
            if JournalSegment.endsBy(segments, index, through: snapshotLSN) {
                // Every record here is in the snapshot: the next segment's name says where it ends.
                expected = segments[index + 1].firstLSN
                lastLSN = max(lastLSN, segments[index + 1].firstLSN - 1)
                skipped += (try? JournalFiles.size(segment.path)) ?? 0
                continue
            }
            let size = try JournalFiles.read(segment.path, into: &buffer)
            let isEncrypted = buffer.withUnsafeBytes { EncryptedSegment.isEncrypted(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
            let headerBytes = isEncrypted ? EncryptedSegment.headerBytes : JournalSegment.headerBytes
            if size < headerBytes {
                guard isLast else { throw JournalError.notASegment(path: segment.path, reason: "shorter than its header") }
                // Created, then the crash came before its header was written: it never held a record.
                tornTail = TornTail(path: segment.path, offset: 0, discardedBytes: size, reason: "header cut short")
                expected = segment.firstLSN
                break
            }
            // An encrypted segment's records are read from its frames' plaintext, laid out as a
            // plain segment's are; a damaged frame is judged torn or not by the frames after it.
            var frames: EncryptedSegment.Image?
            if isEncrypted {
                let cipher = try buffer.withUnsafeBytes { try EncryptedSegment.verifyHeader($0, keys: keys, path: segment.path) }
                frames = buffer.withUnsafeBytes { EncryptedSegment.image(of: UnsafeRawBufferPointer(rebasing: $0[0..<size]), cipher: cipher) }
            } else {
                guard buffer[0..<JournalSegment.headerBytes].elementsEqual(JournalSegment.header) else {
                    throw JournalError.notASegment(path: segment.path, reason: "wrong magic or format version")
                }
            }
            var offset = JournalSegment.headerBytes
            var next = segment.firstLSN
            func walk(_ raw: UnsafeRawBufferPointer) throws {
                if let landing = hop(raw, from: segment.firstLSN, to: snapshotLSN + 1) {
                    skipped += landing.offset - offset
                    lastLSN = max(lastLSN, landing.lsn - 1)
                    (offset, next) = (landing.offset, landing.lsn)
                }
                while offset < raw.count {
                    switch JournalRecord.decode(raw, at: offset, expectedLSN: next) {
                    case .success(let record):
                        if record.lsn > snapshotLSN {
                            try apply(record)
                            replayed += 1
                        }
                        lastLSN = max(lastLSN, record.lsn)
                        offset += record.encodedBytes
                        next += 1
                    case .failure(let problem):
                        // Records in an authenticated frame are whole: a failure there is no tear.
                        if let frames {
                            throw JournalError.corrupt(path: segment.path, offset: frames.fileOffset(of: offset), reason: problem.description)
                        }
                        guard isLast, !containsValidRecord(raw, after: offset, from: next) else {
                            throw JournalError.corrupt(path: segment.path, offset: offset, reason: problem.description)
                        }
                        tornTail = TornTail(
                            path: segment.path, offset: offset, discardedBytes: raw.count - offset,
                            reason: problem.description)
                        return
                    }
                }
            }
            if let frames {
                try frames.image.withUnsafeBytes { try walk($0) }
                if let stop = frames.stop {
                    guard isLast, !stop.isFollowedByValidFrame else {
                        throw JournalError.corrupt(path: segment.path, offset: stop.offset, reason: stop.reason)
                    }
                    tornTail = TornTail(path: segment.path, offset: stop.offset, discardedBytes: size - stop.offset, reason: stop.reason)
                }
            } else {
                try buffer.withUnsafeBytes { try walk(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
            }
            expected = next
        }
        return Outcome(
            lastLSN: lastLSN, replayedRecords: replayed, bytesSkipped: skipped, segments: segments.count, tornTail: tornTail)
    }

    /// The offset of record `target` in a segment starting at `first`, found by hopping over
    /// the records before it by their lengths alone; nil when there is nothing to hop over, or
    /// when a hop lands on a record whose LSN is not the next one (a damaged length), in which
    /// case the caller checks every record from the start instead.
    static func hop(_ bytes: UnsafeRawBufferPointer, from first: UInt64, to target: UInt64) -> (offset: Int, lsn: UInt64)? {
        guard target > first else { return nil }
        var offset = JournalSegment.headerBytes
        var lsn = first
        while lsn < target {
            guard offset + JournalRecord.headerBytes <= bytes.count else { return nil }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
            let found = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
            guard found == lsn, length <= JournalRecord.payloadBytesMax else { return nil }
            offset += JournalRecord.headerBytes + length
            lsn += 1
        }
        // Landing exactly at the end is fine: the segment holds nothing after the snapshot.
        return offset <= bytes.count ? (offset, lsn) : nil
    }

    /// Whether any valid record with an LSN from `lsn` on starts after `offset`: then the
    /// damage is not a torn tail but lies before acknowledged records.
    static func containsValidRecord(_ bytes: UnsafeRawBufferPointer, after offset: Int, from lsn: UInt64) -> Bool {
        var position = offset + 1
        while position + JournalRecord.headerBytes <= bytes.count {
            let candidate = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self))
            // Only plausible LSNs are checksummed, so scanning garbage stays linear in practice.
            if candidate >= lsn, candidate - lsn < 1 << 32,
                case .success = JournalRecord.decode(bytes, at: position, expectedLSN: candidate)
            {
                return true
            }
            position += 1
        }
        return false
    }
}
