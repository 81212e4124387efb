/// The server's side of one connection: handshake, then authenticated requests, then closing.
///
/// Pure: the channel handler feeds it frames and events and runs the ``Action`` it returns, so
/// every rule of the handshake, the roles and the in-flight limit is tested without sockets.
public struct ServerConnectionStateMachine: Sendable {
    public enum State: Hashable, Sendable {
        case awaitingHello
        case authenticated(Role)
        /// Finishing what was received, refusing anything new: the server is shutting down.
        case draining(Role)
        /// An error that ends the connection was sent; everything else is dropped.
        case closing
    }

    public enum Action: Hashable, Sendable {
        /// Send this HELLO reply (the handler fills in the server's clock).
        case acceptHello(requestID: UInt32, version: UInt8, role: Role)
        /// Run the request and answer it.
        case execute(Request, requestID: UInt32)
        /// Answer with this error; close the connection afterwards when the machine is now `closing`.
        case refuse(ErrorReply, opcode: Opcode, requestID: UInt32)
        /// Nothing to do: a frame on a closing connection, or a quiet peer's timeout.
        case ignore
    }

    public private(set) var state: State = .awaitingHello
    /// Requests received and not yet answered.
    public private(set) var inFlight = 0
    let keyring: any APIKeyResolving
    let inFlightRequestsMax: Int

    public init(keyring: any APIKeyResolving, inFlightRequestsMax: Int = ProtocolLimits.inFlightRequestsMax) {
        self.keyring = keyring
        self.inFlightRequestsMax = inFlightRequestsMax
    }

    /// A whole frame arrived.
    public mutating func frameReceived(_ frame: Frame) -> Action {
        let header = frame.header
        switch state {
        case .closing:
            return .ignore
        case .awaitingHello:
            return helloReceived(frame)
        case .authenticated(let role), .draining(let role):
            inFlight += 1
            guard inFlight <= inFlightRequestsMax else {
                return .refuse(
                    ErrorReply(
                        .tooManyInFlight, detail: UInt64(inFlightRequestsMax),
                        message: "more than \(inFlightRequestsMax) requests in flight"),
                    opcode: header.opcode, requestID: header.requestID)
            }
            guard header.flags.isEmpty else {
                return refusing(.unsupportedFlags, "request flags must be 0, got \(header.flags.rawValue)", header)
            }
            if header.opcode == .hello {
                return refusing(.alreadyAuthenticated, "the connection is already authenticated", header)
            }
            guard let required = Role.required(for: header.opcode) else {
                return refusing(.unknownOpcode, "\(header.opcode) is not a request", header)
            }
            guard role >= required else {
                return refusing(.forbidden, "\(header.opcode) needs the \(required) role; this key is \(role)", header)
            }
            if case .draining = state {
                return refusing(.shuttingDown, "the server is shutting down", header)
            }
            var payload = frame.payload
            do {
                guard let request = try Request.decode(opcode: header.opcode, payload: &payload) else {
                    return refusing(.unknownOpcode, "\(header.opcode) is not a request", header)
                }
                return .execute(request, requestID: header.requestID)
            } catch {
                return refusing(.malformedPayload, "\(header.opcode): \(error)", header)
            }
        }
    }

    private mutating func helloReceived(_ frame: Frame) -> Action {
        let header = frame.header
        guard header.opcode == .hello else {
            return closing(.notAuthenticated, "the first frame must be HELLO, got \(header.opcode)", header)
        }
        guard header.flags.isEmpty else {
            return closing(.unsupportedFlags, "request flags must be 0, got \(header.flags.rawValue)", header)
        }
        var payload = frame.payload
        let hello: Hello
        do {
            guard case .hello(let decoded) = try Request.decode(opcode: .hello, payload: &payload) else {
                return closing(.malformedPayload, "HELLO did not decode", header)
            }
            hello = decoded
        } catch {
            return closing(.malformedPayload, "HELLO: \(error)", header)
        }
        let lowest = max(hello.minimumVersion, ProtocolVersion.supported.lowerBound)
        let highest = min(hello.maximumVersion, ProtocolVersion.supported.upperBound)
        guard lowest <= highest else {
            return closing(
                .unsupportedVersion,
                "client speaks versions \(hello.minimumVersion)–\(hello.maximumVersion), server \(ProtocolVersion.supported)",
                header, detail: UInt64(ProtocolVersion.supported.upperBound))
        }
        guard let role = keyring.role(for: hello.apiKey) else {
            return closing(.authenticationFailed, "unknown API key", header)
        }
        state = .authenticated(role)
        return .acceptHello(requestID: header.requestID, version: highest, role: role)
    }

    /// Responses to `count` requests were written. Responses may wait (for the journal) after
    /// later requests arrive, so the handler reports how many left rather than that all did.
    public mutating func answered(_ count: Int) {
        inFlight = max(0, inFlight - count)
    }

    /// The server is shutting down: requests already received are answered, new ones refused.
    public mutating func drain() {
        switch state {
        case .authenticated(let role): state = .draining(role)
        case .awaitingHello: state = .closing
        case .draining, .closing: break
        }
    }

    /// Nothing arrived for the read timeout. A peer that has not said HELLO, or that stopped in
    /// the middle of a frame, is cut off; a quiet authenticated one may stay.
    public mutating func readTimedOut(hasPartialFrame: Bool) -> Action {
        switch state {
        case .awaitingHello:
            return timingOut("no HELLO within the handshake timeout")
        case .authenticated, .draining:
            return hasPartialFrame ? timingOut("a frame stalled half-way") : .ignore
        case .closing:
            return .ignore
        }
    }

    /// The decoder could not cut the stream into frames.
    public mutating func framingFailed(_ error: FrameError) -> Action {
        guard state != .closing else { return .ignore }
        state = .closing
        return .refuse(ErrorReply(error.errorCode, message: error.description), opcode: Opcode(rawValue: 0), requestID: 0)
    }

    private func refusing(_ code: ErrorCode, _ message: String, _ header: FrameHeader) -> Action {
        .refuse(ErrorReply(code, message: message), opcode: header.opcode, requestID: header.requestID)
    }

    private mutating func closing(_ code: ErrorCode, _ message: String, _ header: FrameHeader, detail: UInt64 = 0) -> Action {
        state = .closing
        return .refuse(ErrorReply(code, detail: detail, message: message), opcode: header.opcode, requestID: header.requestID)
    }

    private mutating func timingOut(_ message: String) -> Action {
        state = .closing
        return .refuse(ErrorReply(.timedOut, message: message), opcode: Opcode(rawValue: 0), requestID: 0)
    }
}
