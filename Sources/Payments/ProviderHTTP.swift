import AsyncHTTPClient
import Foundation
import NIOCore

/// A provider's REST API as the adapters call it: every request authenticated, bounded in time
/// and in the size of its answer, and every answer turned into the terms the saga acts on
/// (``PaymentError``): no answer in time is `timedOut` (the call may have taken effect), 5xx and
/// unreachable are `unavailable`, 429 is `rateLimited`, 404 the caller's "unknown", and any other
/// refusal `refused` with the provider's own message.
struct ProviderHTTP: Sendable {
    /// A response larger than this is refused (providers' objects are a few kilobytes; a list
    /// of an order's payments or refunds a few dozen).
    static let responseBytesMax = 1 << 20

    /// The provider's name in messages (`Stripe`).
    let provider: String
    let baseURL: String
    /// The `Authorization` header's value.
    let authorization: String
    let timeout: Duration
    let client: HTTPClient
    /// The provider's own explanation in an error body, when it has one.
    let refusalMessage: @Sendable (ByteBuffer) -> String?

    func get(_ path: String, unknown: PaymentError) async throws(PaymentError) -> ByteBuffer {
        try await send(HTTPClientRequest(url: baseURL + path), unknown: unknown)
    }

    func post(_ path: String, contentType: String, body: String, headers: [(String, String)] = [],
              unknown: PaymentError) async throws(PaymentError) -> ByteBuffer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request, unknown: unknown)
    }

    private func send(_ request: HTTPClientRequest, unknown: PaymentError) async throws(PaymentError) -> ByteBuffer {
        var request = request
        request.headers.add(name: "Authorization", value: authorization)
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            body = try await response.body.collect(upTo: Self.responseBytesMax)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw .timedOut
        } catch {
            throw .unavailable("\(error)")
        }
        switch response.status.code {
        case 200..<300:
            return body
        case 404:
            throw unknown
        case 429:
            throw .rateLimited(retryAfterSeconds: Int(response.headers.first(name: "Retry-After") ?? "") ?? 1)
        case 500...:
            throw .unavailable("\(provider) answered \(response.status.code)")
        default:
            throw .refused(refusalMessage(body) ?? "\(provider) answered \(response.status.code)")
        }
    }

    /// A provider id as one path segment: letters, digits and underscores only, so nothing a
    /// caller passes can change which URL is asked.
    static func pathComponent(_ reference: String, provider: String) throws(PaymentError) -> String {
        guard (1...255).contains(reference.utf8.count),
              reference.utf8.allSatisfy({ $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { throw .refused("not a \(provider) id: \(reference.prefix(40))") }
        return reference
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
