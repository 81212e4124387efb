import Hummingbird

/// Routes under `/theatres/{theatreId}` that only the theatre's staff (and admins) may use:
/// changing it, and its sales and refunds. Where `partnerScope` is given, a partner's API key
/// with that scope may use them too, for the theatres it was made for (every theatre when it
/// names none, as for bookings): a theatre management system reading its sales.
public struct StaffOfTheatre: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext

    let partnerScope: PartnerScope?

    public init(orPartnerWith partnerScope: PartnerScope? = nil) {
        self.partnerScope = partnerScope
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else { throw Problem.unauthenticated }
        let theatreID = try context.parameters.require("theatreId")
        switch identity.kind {
        case .user:
            guard identity.isStaff(of: theatreID) else { throw Problem.forbidden }
        case .partner(let scopes):
            guard let partnerScope, scopes.contains(partnerScope),
                  identity.theatreIDs.isEmpty || identity.theatreIDs.contains(theatreID)
            else { throw Problem.forbidden }
        }
        return try await next(request, context)
    }
}
