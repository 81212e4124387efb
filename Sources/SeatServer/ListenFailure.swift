import Glibc
import NIOCore

/// A port the server could not listen on, named, with the reason in words: "in use" when another
/// process has it (another seatd, most often), else the system's reason.
public struct ListenFailure: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// What listens there: "protocol", "metrics".
    public let purpose: String
    public let isPortInUse: Bool
    let reason: String

    init(host: String, port: Int, purpose: String, error: any Error) {
        self.host = host
        self.port = port
        self.purpose = purpose
        isPortInUse = (error as? IOError)?.errnoCode == EADDRINUSE
        reason = isPortInUse ? "the port is in use (by another seatd?)" : "\(error)"
    }

    public var description: String { "cannot listen for \(purpose) on \(host):\(port): \(reason)" }

    /// Binds with `bind`, turning its failure into a ``ListenFailure``.
    static func binding<Channel>(host: String, port: Int, purpose: String, _ bind: () async throws -> Channel) async throws -> Channel {
        do {
            return try await bind()
        } catch {
            throw ListenFailure(host: host, port: port, purpose: purpose, error: error)
        }
    }
}
