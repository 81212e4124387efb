import Foundation
import Hummingbird
import HummingbirdAuth
import NIOCore

/// The request context every box-office route runs with: the authenticated identity (when
/// any), the client's address (for per-address limits) and the request's own body limit.
public struct BoxOfficeRequestContext: AuthRequestContext, RemoteAddressRequestContext, RequestContext {
    /// A request body larger than this is refused with 413 before any handler reads it.
    public static let requestBodyBytesMax = 64 * 1024

    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress
    }

    public var maxUploadSize: Int { Self.requestBodyBytesMax }
    public var requestDecoder: ProblemJSONDecoder { ProblemJSONDecoder() }

    /// JSON with sorted keys: the same data is always the same bytes (so `ETag`s are stable and
    /// answers diff cleanly), dates as ISO 8601.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The id Hummingbird gives each request (also in every log line of it and in `X-Request-ID`).
    public var requestID: String { id }

    /// The client's address as text, without the port (the key of per-address limits).
    public var clientAddress: String {
        remoteAddress?.ipAddress ?? "unknown"
    }
}

extension BoxOfficeRequestContext {
    /// The signed-in person's user id, for what people do for themselves alone (reviews, their
    /// recommendations): 401 without an identity, 403 for a partner's API key.
    public func requirePerson() throws -> String {
        let identity = try requireIdentity()
        guard identity.kind == .user else { throw Problem.forbidden }
        return identity.subject
    }
}
