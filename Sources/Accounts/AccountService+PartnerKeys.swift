import BoxOfficeEdge
import BoxOfficeStorage
import Foundation

extension AccountService {
    /// Keys stored at most, revoked ones included (each is a row an admin made by hand).
    public static let partnerKeysMax = 1_000
    /// A key's last use is recorded at most this often.
    static let partnerKeyUseCoarsenessMs: Int64 = 60_000

    /// Makes a partner API key; its secret is in the answer and nowhere else (stored hashed).
    public func createPartnerKey(
        name rawName: String, scopes: Set<PartnerScope>, theatreIDs: Set<String>, createdBy: String
    ) async throws -> (key: PartnerAPIKey, secret: String) {
        let name = try ProfileRules.name(rawName)
        guard !scopes.isEmpty else { throw AccountError.invalidField(field: "scopes", message: "must name at least one scope") }
        guard theatreIDs.count <= 100, theatreIDs.allSatisfy(Identifiers.isTheatreID) else {
            throw AccountError.invalidField(
                field: "theatreIds", message: "must be at most 100 ids of 1 to 64 lowercase letters, digits and dashes")
        }
        let secret = OpaqueToken.generate(prefix: "bo_pk_")
        let nowMs = now.millisecondsSince1970
        let row = PartnerKeyRecords.Row(
            id: UUID.timeOrderedID(), secretHash: secret.hash, name: name,
            scopes: JSONColumn.text(scopes.map(\.rawValue).sorted()), theatreIds: JSONColumn.text(theatreIDs.sorted()),
            createdBy: createdBy, createdAtMs: nowMs, lastUsedAtMs: nil, revokedAtMs: nil)
        try await database.transaction { session in
            guard try await PartnerKeyRecords.count(on: session) < Self.partnerKeysMax else {
                throw AccountError.invalidField(field: "name", message: "at most \(Self.partnerKeysMax) keys can be stored")
            }
            try await PartnerKeyRecords.insert(row, on: session)
        }
        return (try row.key(), secret.value)
    }

    public func partnerKeys() async throws -> [PartnerAPIKey] {
        try await database.withReadSession { session in try await PartnerKeyRecords.all(on: session).map { try $0.key() } }
    }

    public func revokePartnerKey(id: String) async throws {
        let nowMs = now.millisecondsSince1970
        guard try await database.withSession({ try await PartnerKeyRecords.revoke(id: id, at: nowMs, on: $0) }) else {
            throw AccountError.partnerKeyNotFound
        }
    }

    /// The identity a partner's key establishes, or nil when the key is unknown or revoked.
    public func authenticatePartner(secret: String) async throws -> Identity? {
        guard secret.hasPrefix("bo_pk_"), secret.count <= OpaqueToken.charactersMax else { return nil }
        let hash = OpaqueToken.hash(secret)
        guard let row = try await database.withReadSession({ try await PartnerKeyRecords.find(secretHash: hash, on: $0) }),
              row.revokedAtMs == nil
        else { return nil }
        let key = try row.key()
        let nowMs = now.millisecondsSince1970
        if (key.lastUsedAtMs ?? 0) < nowMs - Self.partnerKeyUseCoarsenessMs {
            try await database.withSession { session in
                try await PartnerKeyRecords.touch(id: key.id, at: nowMs, coarsenessMs: Self.partnerKeyUseCoarsenessMs, on: session)
            }
        }
        return Identity(subject: key.id, kind: .partner(scopes: Set(key.scopes)), roles: [], theatreIDs: Set(key.theatreIds))
    }
}
