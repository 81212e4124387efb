import Hummingbird

/// Routes under `/theatres/{theatreId}` that only the theatre's staff (and admins) may use:
/// changing it, and its sales and refunds.
public struct StaffOfTheatre: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else { throw Problem.unauthenticated }
        let theatreID = try context.parameters.require("theatreId")
        guard identity.kind == .user, identity.isStaff(of: theatreID) else { throw Problem.forbidden }
        return try await next(request, context)
    }
}
