import Foundation
import Glibc
import NIOPosix

/// Where mail goes: an SMTP server, or a folder of `.eml` files.
public protocol MailTransport: Sendable {
    /// Hands the message on. Throws ``DeliveryError`` saying whether trying again may help.
    func send(_ message: MailMessage) async throws(DeliveryError)
    /// Makes the messages handed on so far survive a crash of the machine, for a transport that
    /// leaves part of that until asked; the worker asks before it records a batch as sent.
    func makeDurable() async throws(DeliveryError)
    /// Said at start, so the operator knows where mail goes.
    var description: String { get }
}

extension MailTransport {
    /// A server's acceptance of a message is its hand-over: nothing is left to make durable.
    public func makeDurable() async throws(DeliveryError) {}
}

/// Mail written to a folder as `.eml` files, one per message, named by its `Message-ID`: what
/// the embedded default does with no SMTP server, and what the tests read links from. Sending
/// the same message again rewrites the same file. Written whole (a temporary file renamed into
/// place after fsync) on NIO's thread pool, never on Swift's cooperative one; the names given
/// by the renames are made durable together, by one fsync of the folder (``makeDurable()``).
public struct MailFolder: MailTransport {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var description: String { "mail is written as .eml files to \(path)" }

    public func send(_ message: MailMessage) async throws(DeliveryError) {
        let name = Self.fileName(for: message.messageID)
        let folder = path
        let bytes = message.rendered()
        try await blocking { () throws(DeliveryError) in
            try Self.write(bytes, to: "\(folder)/\(name)", temporary: "\(folder)/.\(name).tmp", folder: folder)
        }
    }

    /// Syncs the folder itself: a file's own fsync does not make its name in the folder durable,
    /// so without this a power cut could lose a message already recorded as sent.
    public func makeDurable() async throws(DeliveryError) {
        let folder = path
        try await blocking { () throws(DeliveryError) in try Self.sync(folder: folder) }
    }

    /// Runs `body`, which blocks, on NIO's thread pool.
    private func blocking(_ body: @escaping @Sendable () throws(DeliveryError) -> Void) async throws(DeliveryError) {
        do {
            try await NIOThreadPool.singleton.runIfActive { try body() }
        } catch let error as DeliveryError {
            throw error
        } catch {
            throw DeliveryError("writing the mail to \(path) failed: \(error)", isTransient: true)
        }
    }

    private static func failure(_ operation: String, _ file: String, reason: String = String(cString: strerror(errno))) -> DeliveryError {
        DeliveryError("\(operation) \(file) failed: \(reason)", isTransient: true)
    }

    /// Writes `bytes` to `temporary`, fsyncs it, and renames it over `path`: a reader finds the
    /// old message or the new one whole, never a part of one. With plain system calls, which
    /// cost a fraction of `FileManager`'s path handling on a busy server's every booking.
    private static func write(_ bytes: [UInt8], to path: String, temporary: String, folder: String) throws(DeliveryError) {
        let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        var descriptor = open(temporary, flags, 0o644)
        if descriptor < 0, errno == ENOENT {
            // The folder is made at the first message (and again if it was removed).
            try makeFolder(folder)
            descriptor = open(temporary, flags, 0o644)
        }
        guard descriptor >= 0 else { throw failure("creating", temporary) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw failure("writing", temporary) }
            // A write that makes no progress fails too, so the loop always ends; it sets no errno.
            guard count > 0 else { throw failure("writing", temporary, reason: "no bytes were written") }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw failure("syncing", temporary) }
        guard rename(temporary, path) == 0 else { throw failure("renaming", temporary) }
    }

    /// Makes `folder` and whichever of its parents are missing, and syncs the folder each one
    /// was made in: a new folder's name is an entry in its parent, lost in a power cut like a
    /// file's until the parent is synced, and with it every message recorded as sent inside.
    private static func makeFolder(_ folder: String) throws(DeliveryError) {
        var missing: [String] = []
        var candidate = folder
        while !candidate.isEmpty, candidate != "/", access(candidate, F_OK) != 0 {
            missing.append(candidate)
            candidate = (candidate as NSString).deletingLastPathComponent
        }
        // Outermost first. One made meanwhile by another writer is as good as ours; anything
        // else already there (a file, a dangling link) is not.
        for made in missing.reversed() where mkdir(made, 0o755) != 0 {
            let reason = errno
            var status = stat()
            guard reason == EEXIST, stat(made, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw failure("making the mail folder", made, reason: String(cString: strerror(reason)))
            }
        }
        for made in missing {
            let parent = (made as NSString).deletingLastPathComponent
            try sync(folder: parent.isEmpty ? "." : parent)
        }
    }

    /// Syncs the folder at `path`, which makes its entries' names durable.
    private static func sync(folder path: String) throws(DeliveryError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("opening", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("syncing", path) }
    }

    /// `<id@domain>` as a file name: its letters, digits, dots and dashes.
    ///
    /// Filtered as UTF-8 bytes, since all it keeps is ASCII: character by character, the filter
    /// cost about 1 % of `boxoffice`'s CPU in a flash sale (a message per booking).
    static func fileName(for messageID: String) -> String {
        var name = messageID.utf8.compactMap { byte -> UInt8? in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."): byte
            case UInt8(ascii: "@"): UInt8(ascii: "_")
            default: nil
            }
        }
        name += ".eml".utf8
        return String(decoding: name, as: UTF8.self)
    }
}
