import CWriteback
#if canImport(Glibc)
import Glibc
#endif

/// A journal segment file: `segment-<first LSN, 20 digits>.journal`, a 16-byte header, then
/// records whose LSNs continue from the one in the name.
///
/// Header: the ASCII magic `SEATJRNL`, the format version (u32, little-endian), 4 zero bytes.
/// Version 2: confirmations are their own record type, carrying their seats (``EngineRecord``).
enum JournalSegment {
    static let magic = Array("SEATJRNL".utf8)
    static let formatVersion: UInt32 = 2
    static let headerBytes = 16
    static let filePrefix = "segment-"
    static let fileSuffix = ".journal"

    static var header: [UInt8] {
        var header = magic
        withUnsafeBytes(of: formatVersion.littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: [0, 0, 0, 0])
        return header
    }

    static func fileName(firstLSN: UInt64) -> String {
        NumberedFiles.name(filePrefix, firstLSN, fileSuffix)
    }

    /// Whether every record of `segments[index]` is at or before `lsn`: the next segment's first
    /// LSN says where a segment ends, so the newest one, still being written, never is.
    static func endsBy(_ segments: [(firstLSN: UInt64, path: String)], _ index: Int, through lsn: UInt64) -> Bool {
        index + 1 < segments.count && segments[index + 1].firstLSN - 1 <= lsn
    }

    /// The segments in `directory`, ordered by first LSN.
    static func list(in directory: String) throws(JournalError) -> [(firstLSN: UInt64, path: String)] {
        try NumberedFiles.list(in: directory, prefix: filePrefix, suffix: fileSuffix).map { ($0.number, $0.path) }
    }
}

/// Files named `<prefix><number, 20 digits><suffix>`, so that names sort as numbers do.
enum NumberedFiles {
    static func name(_ prefix: String, _ number: UInt64, _ suffix: String) -> String {
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The numbered files in `directory`, ordered by number; other files are ignored.
    static func list(in directory: String, prefix: String, suffix: String) throws(JournalError) -> [(number: UInt64, path: String)] {
        guard let handle = opendir(directory) else { throw .io(operation: "opendir", path: directory, errno: errno) }
        defer { closedir(handle) }
        var files: [(UInt64, String)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name.hasPrefix(prefix), name.hasSuffix(suffix),
                let number = UInt64(name.dropFirst(prefix.count).dropLast(suffix.count))
            else { continue }
            files.append((number, directory + "/" + name))
        }
        return files.sorted { $0.0 < $1.0 }
    }
}

/// The few file operations the journal needs, each failing with the path and errno.
enum JournalFiles {
    static func openForAppend(_ path: String, create: Bool) throws(JournalError) -> Int32 {
        let flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        return descriptor
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String, faults: StorageFaults? = nil) throws(JournalError) {
        try faults?.check(.write, "write", path: path)
        let failure: Int32 = bytes.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return 0
        }
        guard failure == 0 else { throw .io(operation: "write", path: path, errno: failure) }
    }

    static func sync(_ descriptor: Int32, path: String, faults: StorageFaults? = nil) throws(JournalError) {
        try faults?.check(.fsync, "fdatasync", path: path)
        guard fdatasync(descriptor) == 0 else { throw .io(operation: "fdatasync", path: path, errno: errno) }
    }

    /// Starts writing `range` of the file back to disk and returns at once (``WritebackSchedule``).
    /// A failure is left for the next `fdatasync` to report: this is a hint, not a sync.
    static func startWriteback(_ descriptor: Int32, _ range: Range<Int>) {
        _ = seat_start_writeback(descriptor, Int64(range.lowerBound), Int64(range.count))
    }

    /// Makes a new or removed directory entry durable.
    static func syncDirectory(_ directory: String, faults: StorageFaults? = nil) throws(JournalError) {
        try faults?.check(.fsync, "fsync", path: directory)
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(operation: "open", path: directory, errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io(operation: "fsync", path: directory, errno: errno) }
    }

    static func rename(_ from: String, to path: String, faults: StorageFaults? = nil) throws(JournalError) {
        try faults?.check(.rename, "rename", path: from)
        guard Glibc.rename(from, path) == 0 else { throw .io(operation: "rename", path: from, errno: errno) }
    }

    static func size(_ path: String) throws(JournalError) -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        return Int(status.st_size)
    }

    static func readAll(_ path: String) throws(JournalError) -> [UInt8] {
        var bytes: [UInt8] = []
        _ = try read(path, into: &bytes)
        return bytes
    }

    /// Reads the whole file into `buffer` and returns its size: the valid prefix of `buffer`.
    /// The buffer's storage is reused when large enough, and never zero-filled first: recovery
    /// reads segment after segment of the same size, and fresh pages cost more than the reading.
    static func read(_ path: String, into buffer: inout [UInt8]) throws(JournalError) -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        let size = Int(status.st_size)
        if buffer.count < size {
            buffer = [UInt8](unsafeUninitializedCapacity: size) { _, count in count = size }
        }
        var offset = 0
        while offset < size {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + offset, size - offset) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw .io(operation: "read", path: path, errno: count < 0 ? errno : EIO) }
            offset += count
        }
        return size
    }

    static func truncate(_ path: String, to length: Int) throws(JournalError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw .io(operation: "ftruncate", path: path, errno: errno) }
        guard fsync(descriptor) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }
}
