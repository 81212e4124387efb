import Foundation

/// Where a server keeps its durable state: `journal/` for the segments, `snapshots/` for the
/// snapshots, created on first use; owned by one process at a time.
///
/// Opening one takes its ``DataDirectoryLock``, held while any copy of this value lives, so
/// nothing can read a journal to recover it (and cut its tail) or write to it while another
/// process does.
public struct DataDirectory: Sendable {
    public let path: String
    public let lock: DataDirectoryLock
    public var journal: String { path + "/journal" }
    public var snapshots: String { path + "/snapshots" }

    public init(_ path: String) throws(JournalError) {
        self.path = path
        try Self.create(path)
        lock = try DataDirectoryLock(directory: path)
        for directory in [journal, snapshots] { try Self.create(directory) }
    }

    private static func create(_ directory: String) throws(JournalError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "mkdir", path: directory, errno: Int32((error as NSError).code))
        }
    }
}
