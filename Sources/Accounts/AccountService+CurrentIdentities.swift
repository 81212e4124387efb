import BoxOfficeEdge

extension AccountService: CurrentIdentities {
    /// The identity with the account's current roles and theatres; nil when it is no longer active.
    public func current(_ identity: Identity) async throws -> Identity? {
        guard let user = try? await user(id: identity.subject), user.status == .active else { return nil }
        var current = identity
        current.roles = user.roles
        current.theatreIDs = user.theatreIDs
        return current
    }
}
