import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Catalog reads for caches and clients: every successful GET answers with a strong `ETag`
/// (a digest of its body) and `Cache-Control`; a request whose `If-None-Match` names the
/// current tag gets `304 Not Modified` without the body.
public struct ConditionalGetMiddleware: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext
    /// Bodies larger than this are passed on untagged rather than held whole in memory.
    public static let taggedBodyBytesMax = 4 << 20

    let cacheControl: String

    public init(maxAgeSeconds: Int) {
        cacheControl = "public, max-age=\(maxAgeSeconds)"
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        guard request.method == .get || request.method == .head, response.status == .ok else { return response }
        let body = try await response.collectBody()
        guard body.readableBytes <= Self.taggedBodyBytesMax else { return response }
        let tag = "\"" + SHA256.hash(data: Data(body.readableBytesView)).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
        response.headers[.eTag] = tag
        response.headers[.cacheControl] = cacheControl
        if Self.ifNoneMatch(request.headers[.ifNoneMatch], matches: tag) {
            var notModified = Response(status: .notModified)
            notModified.headers[.eTag] = tag
            notModified.headers[.cacheControl] = cacheControl
            return notModified
        }
        return response
    }

    /// Whether an `If-None-Match` header names `tag` (or is `*`): the client has this version.
    public static func ifNoneMatch(_ header: String?, matches tag: String) -> Bool {
        guard let header else { return false }
        return header == "*" || header.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == tag }
    }
}
