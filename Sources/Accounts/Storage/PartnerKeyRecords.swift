import BoxOfficeEdge
import BoxOfficeStorage
import Foundation
import SQLKit

/// The SQL of `partner_api_keys`.
enum PartnerKeyRecords {
    struct Row: Codable, Sendable {
        var id: String
        var secretHash: String
        var name: String
        var scopes: String
        var theatreIds: String
        var createdBy: String
        var createdAtMs: Int64
        var lastUsedAtMs: Int64?
        var revokedAtMs: Int64?

        func key() throws -> PartnerAPIKey {
            PartnerAPIKey(
                id: id, name: name, scopes: try JSONColumn.value([PartnerScope].self, from: scopes),
                theatreIds: try JSONColumn.value([String].self, from: theatreIds), createdBy: createdBy,
                createdAtMs: createdAtMs, lastUsedAtMs: lastUsedAtMs, revokedAtMs: revokedAtMs)
        }
    }

    static func insert(_ row: Row, on database: any SQLDatabase) async throws {
        try await database.insert(into: "partner_api_keys").model(row, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func find(secretHash: String, on database: any SQLDatabase) async throws -> Row? {
        try await database.select().column("*").from("partner_api_keys").where("secret_hash", .equal, secretHash)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func all(on database: any SQLDatabase) async throws -> [Row] {
        try await database.select().column("*").from("partner_api_keys").orderBy("created_at_ms").orderBy("id")
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func count(on database: any SQLDatabase) async throws -> Int {
        let row = try await database.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")
            .from("partner_api_keys").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Revokes the key; false when it is unknown or already revoked.
    static func revoke(id: String, at nowMs: Int64, on database: any SQLDatabase) async throws -> Bool {
        try await database.update("partner_api_keys")
            .set("revoked_at_ms", to: nowMs)
            .where("id", .equal, id)
            .where("revoked_at_ms", .is, SQLLiteral.null)
            .returning("id")
            .first() != nil
    }

    /// Records a use, at most once per `coarseness` (a write per request would make every
    /// partner call a database write).
    static func touch(id: String, at nowMs: Int64, coarsenessMs: Int64, on database: any SQLDatabase) async throws {
        try await database.update("partner_api_keys")
            .set("last_used_at_ms", to: nowMs)
            .where("id", .equal, id)
            .where { group in
                group.where("last_used_at_ms", .is, SQLLiteral.null)
                    .orWhere("last_used_at_ms", .lessThan, nowMs - coarsenessMs)
            }
            .run()
    }
}
