import Foundation
import HTTPTypes
import Hummingbird

/// Applies one named limit to the routes it is attached to: per authenticated identity when
/// there is one, else per client address. Every answer carries the limit's state in the
/// `RateLimit-Policy` and `RateLimit` headers (IETF httpapi draft); a refusal is a 429 problem
/// with `Retry-After`.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext

    let name: String
    let limiter: RateLimiter
    let perAddressOnly: Bool
    let now: @Sendable () -> Int64
    /// The `RateLimit-Policy` value, the same on every answer.
    let policyHeader: String
    let windowSeconds: Int64

    /// - Parameter perAddressOnly: key by client address even when authenticated (for routes
    ///   where the attacker is anonymous by nature, such as login).
    public init(_ limit: RateLimitPolicy.Limit, keysMax: Int, perAddressOnly: Bool = false,
                now: @escaping @Sendable () -> Int64 = { Int64(DispatchTime.now().uptimeNanoseconds) }) {
        name = limit.name
        limiter = RateLimiter(rule: limit.rule, keysMax: keysMax)
        self.perAddressOnly = perAddressOnly
        self.now = now
        windowSeconds = max(1, Self.seconds(limit.rule.intervalNanoseconds * Int64(limit.rule.burst)))
        policyHeader = "\"\(limit.name)\";q=\(limit.rule.burst);w=\(windowSeconds)"
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let key = (perAddressOnly ? nil : context.identity.map { "id:\($0.subject)" }) ?? "ip:\(context.clientAddress)"
        let decision = limiter.decide(key: key, now: now())
        let rule = limiter.rule
        var headers = HTTPFields()
        headers[.rateLimitPolicy] = policyHeader
        headers[.rateLimit] = "\"\(name)\";r=\(decision.remaining);t=\(Self.seconds(decision.resetNanoseconds))"
        guard decision.isAllowed else {
            let retryAfter = max(1, Self.seconds(decision.retryAfterNanoseconds))
            headers[.retryAfter] = "\(retryAfter)"
            throw Problem(.tooManyRequests, code: "rate_limited", title: "Too many requests",
                          detail: "The \(name) limit allows \(rule.burst) requests per \(windowSeconds) s; retry in \(retryAfter) s.",
                          headers: headers)
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: headers)
            return response
        } catch {
            // Refusals further in are answered with the limit's state too.
            var problem = ProblemMiddleware.problem(for: error, context: context)
            problem.headers.append(contentsOf: headers)
            throw problem
        }
    }

    /// Whole seconds, rounded up (a client told 0 would retry at once).
    static func seconds(_ nanoseconds: Int64) -> Int64 {
        (nanoseconds + 999_999_999) / 1_000_000_000
    }
}

extension HTTPField.Name {
    public static let rateLimit = HTTPField.Name("RateLimit")!
    public static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!
}
