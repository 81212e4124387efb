import BoxOfficeEdge
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth

/// The accounts routes under `/api/v1`: sign-up, authentication, the person's own account,
/// and admin management of users.
public struct AccountsController: Sendable {
    public typealias Context = BoxOfficeRequestContext
    let service: AccountService

    public init(service: AccountService) {
        self.service = service
    }

    /// - Parameters:
    ///   - credentials: the group for routes that check passwords or send mail (limited hard, per address);
    ///   - other: the group for every other route;
    ///   - idempotency: put on every POST but login and refresh (their answers are credentials,
    ///     which must never be stored), after the checks of who may call, so an anonymous or
    ///     forbidden request is refused before any key is looked at.
    public func addRoutes(credentials: RouterGroup<Context>, other api: RouterGroup<Context>, idempotency: IdempotencyMiddleware) {
        credentials.post("auth/login", use: logIn)
        credentials.group().add(middleware: idempotency)
            .post("accounts", use: signUp)
            .post("auth/password-reset", use: requestPasswordReset)
            .post("auth/password-reset/confirm", use: resetPassword)
        api.post("auth/refresh", use: refresh)
        api.group("auth").add(middleware: idempotency)
            .post("logout", use: logOut)
            .post("verify-email", use: verifyEmail)
        let ownAccount = api.group("me").add(middleware: PeopleOnly())
        ownAccount.get(use: me)
            .patch(use: updateMe)
            .delete(use: eraseMe)
            .get("export", use: exportMe)
            .get("sessions", use: sessions)
            .delete("sessions/{sessionId}", use: revokeSession)
        ownAccount.group().add(middleware: idempotency)
            .post("password", use: changePassword)
            .post("verify-email", use: resendVerification)
        api.group("admin/users")
            .add(middleware: CurrentIdentityMiddleware(service))
            .add(middleware: AuthorizationPolicyMiddleware(RolePolicy<Identity>(.admin), deniedError: Problem.forbidden, context: Context.self))
            .get(use: listUsers)
            .get("{userId}", use: getUser)
            .patch("{userId}", use: administerUser)
            .delete("{userId}", use: eraseUser)
        let keys = api.group("admin/api-keys")
            .add(middleware: CurrentIdentityMiddleware(service))
            .add(middleware: AuthorizationPolicyMiddleware(RolePolicy<Identity>(.admin), deniedError: Problem.forbidden, context: Context.self))
        keys.get(use: listPartnerKeys)
            .delete("{keyId}", use: revokePartnerKey)
        keys.group().add(middleware: idempotency)
            .post(use: createPartnerKey)
    }

    // MARK: public

    @Sendable func signUp(_ request: Request, context: Context) async throws -> EditedResponse<AccountsAPI.UserResponse> {
        let body = try await request.decode(as: AccountsAPI.SignUpRequest.self, context: context)
        let user = try await service.signUp(.init(email: body.email, password: body.password, name: body.name))
        return EditedResponse(status: .created, headers: [.location: "/api/v1/me"], response: .init(user))
    }

    @Sendable func logIn(_ request: Request, context: Context) async throws -> AccountsAPI.TokenResponse {
        let body = try await request.decode(as: AccountsAPI.LoginRequest.self, context: context)
        return .init(try await service.logIn(email: body.email, password: body.password, client: Self.client(request, context)))
    }

    @Sendable func refresh(_ request: Request, context: Context) async throws -> AccountsAPI.TokenResponse {
        let body = try await request.decode(as: AccountsAPI.RefreshTokenRequest.self, context: context)
        return .init(try await service.refresh(body.refreshToken, client: Self.client(request, context)))
    }

    @Sendable func logOut(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: AccountsAPI.RefreshTokenRequest.self, context: context)
        try await service.logOut(refreshToken: body.refreshToken)
        return .noContent
    }

    @Sendable func verifyEmail(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: AccountsAPI.TokenRequest.self, context: context)
        try await service.verifyEmail(token: body.token)
        return .noContent
    }

    @Sendable func requestPasswordReset(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: AccountsAPI.PasswordResetRequest.self, context: context)
        try await service.requestPasswordReset(email: body.email)
        return .accepted
    }

    @Sendable func resetPassword(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: AccountsAPI.PasswordResetConfirmation.self, context: context)
        try await service.resetPassword(token: body.token, newPassword: body.newPassword)
        return .noContent
    }

    // MARK: the person's own account

    @Sendable func me(_ request: Request, context: Context) async throws -> AccountsAPI.UserResponse {
        .init(try await service.user(id: try context.requireIdentity().subject))
    }

    @Sendable func updateMe(_ request: Request, context: Context) async throws -> AccountsAPI.UserResponse {
        let patch = try await request.decode(as: AccountsAPI.ProfilePatch.self, context: context)
        return .init(try await service.updateProfile(of: try context.requireIdentity().subject, patch.change))
    }

    @Sendable func eraseMe(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: AccountsAPI.ErasureRequest.self, context: context)
        let userID = try context.requireIdentity().subject
        try await service.erase(userID: userID, confirmingPassword: body.password, requestedBy: "self")
        return .noContent
    }

    @Sendable func exportMe(_ request: Request, context: Context) async throws -> EditedResponse<AccountService.AccountExport> {
        let export = try await service.export(userID: try context.requireIdentity().subject)
        return EditedResponse(
            headers: [.contentDisposition: #"attachment; filename="boxoffice-account.json""#, .cacheControl: "no-store"],
            response: export)
    }

    @Sendable func changePassword(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: AccountsAPI.PasswordChange.self, context: context)
        let identity = try context.requireIdentity()
        try await service.changePassword(of: identity.subject, current: body.currentPassword, new: body.newPassword,
                                         keepingSession: identity.sessionID)
        return .noContent
    }

    @Sendable func resendVerification(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await service.requestEmailVerification(for: try context.requireIdentity().subject)
        return .accepted
    }

    @Sendable func sessions(_ request: Request, context: Context) async throws -> AccountsAPI.SessionsResponse {
        .init(sessions: try await service.sessions(of: try context.requireIdentity().subject))
    }

    @Sendable func revokeSession(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let sessionID = try Self.id(context, "sessionId", missing: .sessionNotFound)
        try await service.revokeSession(sessionID, of: try context.requireIdentity().subject)
        return .noContent
    }

    // MARK: admin

    @Sendable func listUsers(_ request: Request, context: Context) async throws -> AccountsAPI.UserPage {
        let query = request.uri.queryParameters
        let limit = try QueryParameters.integer(query, "limit", in: 1...AccountService.userPageSizeMax) ?? 50
        let page = try await service.users(after: query["cursor"].map(String.init), limit: limit)
        return .init(users: page.users.map(AccountsAPI.UserResponse.init), nextCursor: page.nextCursor)
    }

    @Sendable func getUser(_ request: Request, context: Context) async throws -> AccountsAPI.UserResponse {
        .init(try await service.user(id: try Self.id(context, "userId", missing: .userNotFound)))
    }

    @Sendable func administerUser(_ request: Request, context: Context) async throws -> AccountsAPI.UserResponse {
        let userID = try Self.id(context, "userId", missing: .userNotFound)
        let patch = try await request.decode(as: AccountsAPI.AdminUserPatch.self, context: context)
        var roles: Identity.Roles?
        if let names = patch.roles {
            do { roles = try Identity.Roles(names: names) } catch {
                throw Problem.validation(field: "roles", "unknown role \(error.name); roles are customer, staff, admin")
            }
        }
        if userID == context.identity?.subject, let roles, !roles.contains(.admin) {
            throw Problem.validation(field: "roles", "an admin cannot remove their own admin role")
        }
        return .init(try await service.administer(
            userID: userID, .init(roles: roles, theatreIDs: patch.theatreIds.map(Set.init), status: patch.status)))
    }

    @Sendable func eraseUser(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let userID = try Self.id(context, "userId", missing: .userNotFound)
        try await service.erase(userID: userID, confirmingPassword: nil, requestedBy: "admin:\(try context.requireIdentity().subject)")
        return .noContent
    }

    /// A path id; anything not shaped like one of ours is simply not found (and never reaches SQL).
    static func id(_ context: Context, _ name: String, missing: AccountError) throws -> String {
        let value = try context.parameters.require(name)
        guard Identifiers.isGenerated(value) else { throw missing }
        return value
    }

    @Sendable func createPartnerKey(_ request: Request, context: Context) async throws -> EditedResponse<AccountsAPI.CreatedPartnerKey> {
        let body = try await request.decode(as: AccountsAPI.PartnerKeyRequest.self, context: context)
        var scopes = Set<PartnerScope>()
        for name in body.scopes {
            guard let scope = PartnerScope(rawValue: name) else {
                throw Problem.validation(
                    field: "scopes", "unknown scope \(name); scopes are \(PartnerScope.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            scopes.insert(scope)
        }
        let (key, secret) = try await service.createPartnerKey(
            name: body.name, scopes: scopes, theatreIDs: Set(body.theatreIds ?? []), createdBy: try context.requireIdentity().subject)
        return EditedResponse(status: .created, headers: [.cacheControl: "no-store"], response: .init(key: key, secret: secret))
    }

    @Sendable func listPartnerKeys(_ request: Request, context: Context) async throws -> AccountsAPI.PartnerKeys {
        .init(keys: try await service.partnerKeys())
    }

    @Sendable func revokePartnerKey(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await service.revokePartnerKey(id: try Self.id(context, "keyId", missing: .partnerKeyNotFound))
        return .noContent
    }

    static func client(_ request: Request, _ context: Context) -> AccountService.ClientDescription {
        .init(userAgent: request.headers[.userAgent] ?? "", address: context.clientAddress)
    }
}

/// Routes that act on a person's own account: refused without an identity (401) and for
/// partner API keys (403).
struct PeopleOnly: RouterMiddleware {
    typealias Context = BoxOfficeRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else { throw Problem.unauthenticated }
        guard identity.kind == .user else { throw Problem.forbidden }
        return try await next(request, context)
    }
}
