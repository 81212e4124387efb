import BoxOfficeStorage
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `Idempotency-Key` on POST: a retried request gets the first one's answer instead of doing
/// the work twice.
///
/// - The key is scoped to the caller (identity, else client address) and kept 24 hours.
/// - While the first request runs, a second with the same key gets 409 `request_in_flight`.
/// - The same key with a different method, path or body is refused (422), so a client bug
///   cannot silently receive another request's answer.
/// - Server errors (5xx) are not kept: the claim is released so the client can retry; 409 and
///   429 are not kept either, as they say "not now" rather than "done".
/// - Controllers put it on the routes it suits, after their authentication and authorization
///   checks; never on routes whose answers carry credentials (login, token refresh), which
///   must not be stored.
public struct IdempotencyMiddleware: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext

    public static let keyCharactersMax = 255
    public static let lifetimeMilliseconds: Int64 = 24 * 3600 * 1000
    /// A response larger than this is not kept (the claim is released instead).
    public static let storedResponseBytesMax = 64 * 1024

    let database: Database
    let now: @Sendable () -> Date

    public init(database: Database, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.now = now
    }

    /// Deletes the keys that have expired (at most `batchesMax` batches of `batchMax`: the rest
    /// on the next call); returns how many.
    public func forgetExpiredKeys(batchMax: Int = Database.deletionBatchMax, batchesMax: Int = Database.deletionBatchesMax) async throws -> Int {
        let nowMs = now().millisecondsSince1970
        return try await database.deleteInBatches(batchMax: batchMax, batchesMax: batchesMax) { session, limit in
            try await IdempotencyRecords.purgeExpired(at: nowMs, limit: limit, on: session)
        }
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] else {
            return try await next(request, context)
        }
        guard (1...Self.keyCharactersMax).contains(key.count), key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw Problem.validation(field: "Idempotency-Key", "must be 1 to \(Self.keyCharactersMax) visible ASCII characters")
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        var digest = SHA256()
        digest.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        digest.update(data: Data(body.readableBytesView))
        let requestHash = digest.finalize().map { String(format: "%02x", $0) }.joined()
        let scope = context.identity.map { "id:\($0.subject)" } ?? "ip:\(context.clientAddress)"
        let nowMs = now().millisecondsSince1970
        let claim = IdempotencyRecords.Row(
            scope: scope, idempotencyKey: key, requestHash: requestHash, status: nil, responseHeaders: nil,
            responseBody: nil, createdAtMs: nowMs, expiresAtMs: nowMs + Self.lifetimeMilliseconds)

        let claimed = try await database.withSession { session in
            try await IdempotencyRecords.removeExpired(scope: scope, key: key, at: nowMs, on: session)
            return try await IdempotencyRecords.claim(claim, on: session)
        }
        guard claimed else {
            return try await earlierOutcome(scope: scope, key: key, requestHash: requestHash)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try ProblemMiddleware.problem(for: error, context: context).response(from: request, context: context)
        }
        return try await keep(response, scope: scope, key: key)
    }

    private func earlierOutcome(scope: String, key: String, requestHash: String) async throws -> Response {
        guard let row = try await database.withSession({ try await IdempotencyRecords.find(scope: scope, key: key, on: $0) }) else {
            // Released between our claim attempt and this read: the first request failed.
            throw Problem(.conflict, code: "request_in_flight", title: "A request with this Idempotency-Key just failed",
                          detail: "Retry the request.", headers: [.retryAfter: "1"])
        }
        guard row.requestHash == requestHash else {
            throw Problem(.unprocessableContent, code: "idempotency_key_reused",
                          title: "This Idempotency-Key was used for a different request",
                          detail: "Use a new key for a new request.")
        }
        guard let status = row.status, let headerText = row.responseHeaders, let body = row.responseBody else {
            throw Problem(.conflict, code: "request_in_flight", title: "A request with this Idempotency-Key is still running",
                          detail: "Retry when it has finished.", headers: [.retryAfter: "1"])
        }
        var headers = HTTPFields()
        for (name, value) in try JSONDecoder().decode([[String]].self, from: Data(headerText.utf8)).compactMap({ pair in
            pair.count == 2 ? (pair[0], pair[1]) : nil
        }) {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        headers[.idempotentReplayed] = "true"
        return Response(status: .init(code: status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: Data(base64Encoded: body) ?? Data())))
    }

    /// Stores the response under the key (or releases the key when the outcome must not be
    /// replayed), and returns it to the client.
    private func keep(_ response: Response, scope: String, key: String) async throws -> Response {
        var response = response
        let body = try await response.collectBody()
        let status = Int(response.status.code)
        let replayable = status < 500 && status != 409 && status != 429 && body.readableBytes <= Self.storedResponseBytesMax
        let headers = response.headers.filter { $0.name != .date && $0.name != .requestID }.map { [$0.name.rawName, $0.value] }
        let headerText = String(decoding: try JSONEncoder().encode(headers), as: UTF8.self)
        let bodyText = Data(body.readableBytesView).base64EncodedString()
        try await database.withSession { session in
            if replayable {
                try await IdempotencyRecords.complete(scope: scope, key: key, status: status, headers: headerText, body: bodyText, on: session)
            } else {
                try await IdempotencyRecords.release(scope: scope, key: key, on: session)
            }
        }
        return response
    }
}

extension HTTPField.Name {
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    public static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
