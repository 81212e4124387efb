import Foundation
import NIOPosix

/// Where mail goes: an SMTP server, or a folder of `.eml` files.
public protocol MailTransport: Sendable {
    /// Hands the message on. Throws ``MailError`` saying whether trying again may help.
    func send(_ message: MailMessage) async throws(MailError)
    /// Said at start, so the operator knows where mail goes.
    var description: String { get }
}

public struct MailError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Whether a later attempt may succeed (a 4xx reply, a timeout, a full disk) or not (a 5xx
    /// reply: the address does not exist).
    public var isTransient: Bool

    public init(_ message: String, isTransient: Bool) {
        self.message = message
        self.isTransient = isTransient
    }

    public var description: String { message }
}

/// Mail written to a folder as `.eml` files, one per message, named by its `Message-ID`: what
/// the embedded default does with no SMTP server, and what the tests read links from. Sending
/// the same message again rewrites the same file. Written whole (a temporary file renamed into
/// place after fsync) on NIO's thread pool, never on Swift's cooperative one.
public struct MailFolder: MailTransport {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var description: String { "mail is written as .eml files to \(path)" }

    public func send(_ message: MailMessage) async throws(MailError) {
        let name = Self.fileName(for: message.messageID)
        let folder = path
        let bytes = message.rendered()
        do {
            try await NIOThreadPool.singleton.runIfActive {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let temporary = "\(folder)/.\(name).tmp"
                guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                    throw MailError("cannot create a file in \(folder)", isTransient: true)
                }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
                try handle.write(contentsOf: bytes)
                try handle.synchronize()
                try handle.close()
                if FileManager.default.fileExists(atPath: "\(folder)/\(name)") {
                    try FileManager.default.removeItem(atPath: "\(folder)/\(name)")
                }
                try FileManager.default.moveItem(atPath: temporary, toPath: "\(folder)/\(name)")
            }
        } catch let error as MailError {
            throw error
        } catch {
            throw MailError("writing the mail to \(folder) failed: \(error.localizedDescription)", isTransient: true)
        }
    }

    /// `<id@domain>` as a file name: its letters, digits, dots and dashes.
    static func fileName(for messageID: String) -> String {
        String(messageID.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "@") }
            .replacingOccurrences(of: "@", with: "_")) + ".eml"
    }
}
