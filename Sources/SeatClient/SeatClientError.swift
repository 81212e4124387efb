import Glibc
import NIOCore
import NIOPosix
import SeatProtocol

/// Why a client call failed.
public enum SeatClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The server refused the request; the connection is still usable unless the code closes it.
    case refused(ErrorReply)
    /// The connection closed before the answer arrived; the request may or may not have run
    /// (repeat it with the same idempotency key to find out safely).
    case connectionClosed
    /// Nothing listens at the address: no server runs there, or it listens elsewhere.
    case noServer(host: String, port: Int)
    /// The server could not be reached, for another reason than a refused connection.
    case connectFailed(String)
    /// The server sent something this client cannot read.
    case protocolViolation(String)
    /// The answer did not fit the request (a server bug, or a mismatched version).
    case unexpectedResponse(String)

    public var description: String {
        switch self {
        case .refused(let error): "refused: \(error)"
        case .connectionClosed: "the connection closed before the answer arrived"
        case .noServer(let host, let port): "no seatd at \(host):\(port) — is it running?"
        case .connectFailed(let reason): "cannot connect: \(reason)"
        case .protocolViolation(let reason): "protocol violation: \(reason)"
        case .unexpectedResponse(let reason): "unexpected response: \(reason)"
        }
    }

    /// Whether connecting again later may succeed: the server is down or unreachable for now.
    public var isConnectFailure: Bool {
        switch self {
        case .noServer, .connectFailed: true
        default: false
        }
    }

    /// The server's error code, when the server refused.
    public var code: ErrorCode? {
        if case .refused(let error) = self { return error.code }
        return nil
    }
}

extension SeatClientError {
    /// Why connecting to `host:port` failed, in words: a refused connection (on every address the
    /// name resolved to) means no server listens there; anything else keeps the system's reason.
    public init(connecting error: any Error, host: String, port: Int) {
        if let error = error as? SeatClientError {
            self = error
        } else if let error = error as? NIOConnectionError, !error.connectionErrors.isEmpty,
            error.connectionErrors.allSatisfy({ ($0.error as? IOError)?.errnoCode == ECONNREFUSED })
        {
            self = .noServer(host: host, port: port)
        } else {
            self = .connectFailed("\(host):\(port): \(error)")
        }
    }
}
