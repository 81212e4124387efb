import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answered as an RFC 9457 problem document (`application/problem+json`).
///
/// `code` is ours and stable (clients switch on it); `title` is the human summary of that code;
/// `detail` says what exactly went wrong with this request; `errors` names each invalid field.
public struct Problem: Error, HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var title: String
    public var detail: String?
    public var errors: [FieldError]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, title: String, detail: String? = nil,
        errors: [FieldError] = [], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// One invalid input: which field (a JSON pointer into the request body, or a parameter
    /// name) and why.
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// The media type of problem documents.
    public static let mediaType = "application/problem+json"

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let document = Document(
            type: "https://boxoffice.example/problems/\(code)", title: title, status: Int(status.code),
            detail: detail, instance: request.uri.path, code: code, requestId: context.id,
            errors: errors.isEmpty ? nil : errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = self.headers
        headers[.contentType] = Self.mediaType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(document))))
    }

    /// The wire form (field names as RFC 9457 and our extensions spell them).
    public struct Document: Codable, Sendable, Equatable {
        public var type: String
        public var title: String
        public var status: Int
        public var detail: String?
        public var instance: String?
        public var code: String
        public var requestId: String?
        public var errors: [FieldError]?
    }
}

extension Problem {
    public static func validation(_ errors: [FieldError]) -> Problem {
        Problem(.unprocessableContent, code: "validation_failed", title: "Some fields are not valid",
                detail: errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "), errors: errors)
    }

    public static func validation(field: String, _ message: String) -> Problem {
        validation([FieldError(field: field, message: message)])
    }

    public static func malformedBody(_ detail: String) -> Problem {
        Problem(.badRequest, code: "malformed_body", title: "The request body is not valid JSON for this route",
                detail: detail)
    }

    public static let unauthenticated = Problem(
        .unauthorized, code: "unauthenticated", title: "Authentication is required",
        detail: "Send a valid access token as `Authorization: Bearer …`.",
        headers: [.wwwAuthenticate: #"Bearer realm="boxoffice""#])

    public static func invalidToken(_ detail: String) -> Problem {
        Problem(.unauthorized, code: "invalid_token", title: "The access token is not valid", detail: detail,
                headers: [.wwwAuthenticate: #"Bearer realm="boxoffice", error="invalid_token""#])
    }

    public static let forbidden = Problem(
        .forbidden, code: "forbidden", title: "This identity may not do this")

    public static func notFound(_ what: String) -> Problem {
        Problem(.notFound, code: "not_found", title: "Not found", detail: what)
    }

    public static func conflict(code: String, title: String, detail: String? = nil) -> Problem {
        Problem(.conflict, code: code, title: title, detail: detail)
    }
}
