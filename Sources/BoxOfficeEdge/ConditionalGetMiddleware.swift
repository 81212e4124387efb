import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Catalog reads for caches and clients: every successful GET answers with a strong `ETag`
/// (a digest of its body, so every instance tags the same answer alike) and `Cache-Control`; a
/// request whose `If-None-Match` names the current tag gets `304 Not Modified` without the body.
/// With a ``ResponseCache``, answers are also kept in memory and served from it while the data
/// is unchanged.
public struct ConditionalGetMiddleware: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext
    /// Bodies larger than this are passed on untagged rather than held whole in memory.
    public static let taggedBodyBytesMax = 4 << 20

    let cacheControl: String
    let cache: ResponseCache?

    public init(maxAgeSeconds: Int, cache: ResponseCache? = nil) {
        cacheControl = "public, max-age=\(maxAgeSeconds)"
        self.cache = cache
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let key = request.uri.description
        if request.method == .get, let hit = cache?.entry(for: key) {
            var headers = HTTPFields()
            if let contentType = hit.contentType { headers[.contentType] = contentType }
            return answer(request, Response(status: .ok, headers: headers, body: .init(byteBuffer: hit.body)), tag: hit.tag)
        }
        let generation = cache?.currentGeneration
        var response = try await next(request, context)
        guard request.method == .get || request.method == .head, response.status == .ok else { return response }
        let body = try await response.collectBody()
        guard body.readableBytes <= Self.taggedBodyBytesMax else { return response }
        let tag = "\"" + SHA256.hash(data: Data(body.readableBytesView)).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
        if request.method == .get, let cache, let generation {
            cache.store(key: key, generation: generation, contentType: response.headers[.contentType], body: body, tag: tag)
        }
        return answer(request, response, tag: tag)
    }

    private func answer(_ request: Request, _ response: Response, tag: String) -> Response {
        var response = response
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
