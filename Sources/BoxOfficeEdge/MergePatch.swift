import Foundation

/// Partial updates as JSON merge patches (RFC 7396): the patch is an object whose members
/// replace the current value's, `null` removes one, and nested objects merge the same way.
/// The merged whole is then decoded (and validated by the caller) as if it had been sent in full.
public enum MergePatch {
    /// The current value with `patch` applied, decoded as `Input`.
    ///
    /// - Parameter unchangeable: members the patch may repeat but not change (an id).
    /// - Throws: ``Problem`` `malformed_body` when the patch is not a JSON object or the merged
    ///   value does not decode (naming the field); `validation_failed` when it changes an
    ///   unchangeable member.
    public static func apply<Input: Decodable>(
        _ patch: Data, to current: some Encodable, as type: Input.Type, unchangeable: [String] = []
    ) throws -> Input {
        guard let patchObject = try? JSONSerialization.jsonObject(with: patch) as? [String: Any] else {
            throw Problem.malformedBody("the body is not a JSON object")
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard let currentObject = try JSONSerialization.jsonObject(with: encoder.encode(current)) as? [String: Any] else {
            throw Problem.malformedBody("the current value is not an object")
        }
        for member in unchangeable {
            if let sent = patchObject[member], !((sent as? NSObject)?.isEqual(currentObject[member]) ?? false) {
                throw Problem.validation(field: member, "cannot be changed")
            }
        }
        let merged = merged(patchObject, into: currentObject)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Input.self, from: try JSONSerialization.data(withJSONObject: merged))
        } catch let error as DecodingError {
            throw Problem.malformedBody(ProblemMiddleware.describe(error))
        }
    }

    static func merged(_ patch: [String: Any], into target: [String: Any]) -> [String: Any] {
        var result = target
        for (key, value) in patch {
            if value is NSNull {
                result[key] = nil
            } else if let object = value as? [String: Any] {
                result[key] = merged(object, into: result[key] as? [String: Any] ?? [:])
            } else {
                result[key] = value
            }
        }
        return result
    }
}
