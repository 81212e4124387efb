import Foundation
import NIOPosix

/// Where mail goes: an SMTP server, or a folder of `.eml` files.
public protocol MailTransport: Sendable {
    /// Hands the message on. Throws ``DeliveryError`` saying whether trying again may help.
    func send(_ message: MailMessage) async throws(DeliveryError)
    /// Said at start, so the operator knows where mail goes.
    var description: String { get }
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

    public func send(_ message: MailMessage) async throws(DeliveryError) {
        let name = Self.fileName(for: message.messageID)
        let folder = path
        let bytes = message.rendered()
        do {
            try await NIOThreadPool.singleton.runIfActive {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let temporary = "\(folder)/.\(name).tmp"
                guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                    throw DeliveryError("cannot create a file in \(folder)", isTransient: true)
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
        } catch let error as DeliveryError {
            throw error
        } catch {
            throw DeliveryError("writing the mail to \(folder) failed: \(error.localizedDescription)", isTransient: true)
        }
    }

    /// `<id@domain>` as a file name: its letters, digits, dots and dashes.
    static func fileName(for messageID: String) -> String {
        String(messageID.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "@") }
            .replacingOccurrences(of: "@", with: "_")) + ".eml"
    }
}
