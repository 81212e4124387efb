import BoxOfficeStorage
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Answers every error as a problem document, so no client ever sees a stack trace, an engine's
/// message or a raw decoding error; unexpected errors are logged with the request id and
/// answered 500 with that id only. Also sets `X-Request-ID` on every response.
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext

    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.problem(for: error, context: context).response(from: request, context: context)
        }
        response.headers[.requestID] = context.requestID
        return response
    }

    /// The problem an error is answered with (also the web pages' error messages).
    public static func problem(for error: any Error, context: some RequestContext) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let convertible as any ProblemConvertible:
            return convertible.problem
        case let decoding as DecodingError:
            return .malformedBody(Self.describe(decoding))
        case let httpError as HTTPError:
            return Self.problem(for: httpError)
        case DatabaseError.overloaded:
            context.logger.warning("database overloaded")
            return Problem(.serviceUnavailable, code: "overloaded", title: "The service is overloaded",
                           detail: "Try again in a moment.", headers: [.retryAfter: "1"])
        case let responseError as any HTTPResponseError where responseError.status.code < 500:
            // NIO's own errors (a body over the limit) arrive as bare statuses.
            return Self.problem(for: HTTPError(responseError.status))
        default:
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(.internalServerError, code: "internal_error", title: "Something went wrong on our side",
                           detail: "The error was logged with this request's id.")
        }
    }

    /// Hummingbird's own errors: routing misses, body limits, and authorization denials from
    /// hummingbird-auth's middleware.
    static func problem(for error: HTTPError) -> Problem {
        switch error.status {
        case .notFound:
            return Problem(.notFound, code: "not_found", title: "Not found", detail: "No such route or resource.")
        case .methodNotAllowed:
            return Problem(.methodNotAllowed, code: "method_not_allowed", title: "This method is not allowed here",
                           headers: error.headers)
        case .contentTooLarge:
            return Problem(.contentTooLarge, code: "body_too_large", title: "The request body is too large",
                           detail: "Bodies are limited to \(BoxOfficeRequestContext.requestBodyBytesMax) bytes.")
        case .unauthorized:
            return .unauthenticated
        case .forbidden:
            return .forbidden
        case .badRequest:
            // Hummingbird's message for a bad request describes the input, never our internals.
            return Problem(.badRequest, code: "bad_request", title: "The request is not valid", detail: error.body)
        default:
            return Problem(error.status, code: "http_\(error.status.code)", title: error.status.reasonPhrase)
        }
    }

    /// A decoding error in words a client can act on: which field, what was wrong, never the
    /// decoder's internal description.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the body" : "/" + codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is required"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) must be \(Self.jsonName(of: type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be \(Self.jsonName(of: type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context.codingPath)) has an invalid value"
        @unknown default:
            return "the body could not be read"
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}

/// A service's own error that knows the problem document it is answered with.
public protocol ProblemConvertible: Error {
    var problem: Problem { get }
}

extension HTTPField.Name {
    public static let requestID = HTTPField.Name("X-Request-ID")!
}
