import Foundation
import Hummingbird

/// Decodes JSON request bodies and turns what goes wrong into a problem a client can act on:
/// the field at fault, never the decoder's own description of itself.
public struct ProblemJSONDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw Problem.malformedBody(ProblemMiddleware.describe(error))
        }
    }
}

extension KeyedDecodingContainer {
    /// For partial updates: an absent field is `nil` ("leave it as it is"), but an explicit
    /// `null` is refused unless the contract allows it, where `decodeIfPresent` would silently
    /// take it for "absent".
    public func decodeUnlessAbsent<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value? {
        guard contains(key) else { return nil }
        return try decode(Value.self, forKey: key)
    }
}
