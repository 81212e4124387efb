import SeatProtocol

/// Why a client call failed.
public enum SeatClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The server refused the request; the connection is still usable unless the code closes it.
    case refused(ErrorReply)
    /// The connection closed before the answer arrived; the request may or may not have run
    /// (repeat it with the same idempotency key to find out safely).
    case connectionClosed
    /// The server could not be reached.
    case connectFailed(String)
    /// The server sent something this client cannot read.
    case protocolViolation(String)
    /// The answer did not fit the request (a server bug, or a mismatched version).
    case unexpectedResponse(String)

    public var description: String {
        switch self {
        case .refused(let error): "refused: \(error)"
        case .connectionClosed: "the connection closed before the answer arrived"
        case .connectFailed(let reason): "cannot connect: \(reason)"
        case .protocolViolation(let reason): "protocol violation: \(reason)"
        case .unexpectedResponse(let reason): "unexpected response: \(reason)"
        }
    }

    /// The server's error code, when the server refused.
    public var code: ErrorCode? {
        if case .refused(let error) = self { return error.code }
        return nil
    }
}
