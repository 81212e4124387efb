import BoxOfficeStorage
import Foundation
import SQLKit

struct PromotionRow: Codable, Sendable {
    var id: String
    var code: String?
    var description: String
    var kind: String
    var value: Int64
    var currency: String?
    var scope: String
    var scopeId: String?
    var validFromMs: Int64
    var validUntilMs: Int64
    var usesMax: Int?
    var usesPerPersonMax: Int?
    var usesCount: Int64
    var active: Int
    var createdAtMs: Int64

    enum CodingKeys: String, CodingKey {
        case id, code, description, kind, value, currency, scope, active
        case scopeId = "scope_id", validFromMs = "valid_from_ms", validUntilMs = "valid_until_ms", usesMax = "uses_max"
        case usesPerPersonMax = "uses_per_person_max", usesCount = "uses_count", createdAtMs = "created_at_ms"
    }

    init(_ promotion: Promotion, at nowMs: Int64) {
        id = promotion.id
        code = promotion.code
        description = promotion.description
        kind = promotion.kind.rawValue
        value = promotion.value
        currency = promotion.currency
        scope = promotion.scope.rawValue
        scopeId = promotion.scopeID
        validFromMs = promotion.validFrom.millisecondsSince1970
        validUntilMs = promotion.validUntil.millisecondsSince1970
        usesMax = promotion.usesMax
        usesPerPersonMax = promotion.usesPerPersonMax
        usesCount = 0
        active = promotion.isActive ? 1 : 0
        createdAtMs = nowMs
    }

    func promotion() throws -> Promotion {
        guard let kind = Promotion.Kind(rawValue: kind), let scope = Promotion.Scope(rawValue: scope) else {
            throw OrderRecords.CorruptRow(id: id)
        }
        return Promotion(id: id, code: code, description: description, kind: kind, value: value, currency: currency, scope: scope,
                         scopeID: scopeId, validFrom: Date(millisecondsSince1970: validFromMs),
                         validUntil: Date(millisecondsSince1970: validUntilMs), usesMax: usesMax, usesPerPersonMax: usesPerPersonMax,
                         isActive: active != 0)
    }
}

/// The SQL of promotions and their redemptions. Usage limits are kept by the order of the
/// statements in one transaction: the conditional increment of `uses_count` locks the
/// promotion's row (PostgreSQL) or runs under the write lock (SQLite), so the per-person count
/// after it sees every other redemption of the promotion that committed.
enum PromotionRecords {
    static let reserved = "reserved"
    static let used = "used"

    static func insert(_ promotion: Promotion, at nowMs: Int64, on session: any SQLDatabase) async throws -> Bool {
        try await session.insert(into: "promotions").model(PromotionRow(promotion, at: nowMs))
            .ignoringConflicts(with: ["code"]).returning("id").first() != nil
    }

    static func find(code: String, on session: any SQLDatabase) async throws -> PromotionRow? {
        try await session.select().column("*").from("promotions").where("code", .equal, code).first(decoding: PromotionRow.self)
    }

    static func all(limit: Int, offset: Int, on session: any SQLDatabase) async throws -> [PromotionRow] {
        try await session.select().column("*").from("promotions").orderBy("created_at_ms", .descending).orderBy("id")
            .limit(limit).offset(offset).all(decoding: PromotionRow.self)
    }

    static func deactivate(id: String, on session: any SQLDatabase) async throws -> PromotionRow? {
        try await session.update("promotions").set("active", to: 0).where("id", .equal, id).run()
        return try await session.select().column("*").from("promotions").where("id", .equal, id).first(decoding: PromotionRow.self)
    }

    /// Offers (promotions without a code) active and valid at `nowMs`, at most `limit`.
    static func offers(validAt nowMs: Int64, limit: Int, on session: any SQLDatabase) async throws -> [PromotionRow] {
        try await session.select().column("*").from("promotions")
            .where(SQLColumn("code"), .is, SQLLiteral.null).where("active", .equal, 1)
            .where("valid_from_ms", .lessThanOrEqual, nowMs).where("valid_until_ms", .greaterThan, nowMs)
            .orderBy("created_at_ms", .descending).orderBy("id").limit(limit).all(decoding: PromotionRow.self)
    }

    /// Takes one use of the promotion for `orderID`, or says which limit stops it.
    static func reserve(_ promotion: Promotion, orderID: String, ownerID: String, nowMs: Int64, on session: any SQLDatabase) async throws {
        let taken = try await session.update("promotions")
            .set(SQLColumn("uses_count"), to: SQLBinaryExpression(SQLColumn("uses_count"), .add, SQLLiteral.numeric("1")))
            .where("id", .equal, promotion.id).where("active", .equal, 1)
            .where { $0.where(SQLColumn("uses_max"), .is, SQLLiteral.null).orWhere(SQLColumn("uses_count"), .lessThan, SQLColumn("uses_max")) }
            .returning("id").all()
        guard !taken.isEmpty else { throw Promotion.Refusal.exhausted }
        if let perPerson = promotion.usesPerPersonMax {
            let mine = try await session.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count")
                .from("promotion_redemptions")
                .where("promotion_id", .equal, promotion.id).where("owner_id", .equal, ownerID)
                .where(SQLColumn("status"), .in, SQLBind.group([reserved, used]))
                .first()?.decode(column: "count", as: Int.self) ?? 0
            guard mine < perPerson else { throw Promotion.Refusal.usedUpByYou(perPerson) }
        }
        try await session.insert(into: "promotion_redemptions")
            .columns("order_id", "promotion_id", "owner_id", "status", "created_at_ms")
            .values(SQLBind(orderID), SQLBind(promotion.id), SQLBind(ownerID), SQLBind(reserved), SQLBind(nowMs))
            .run()
    }

    /// Gives the order's reserved use back (nothing when it has none, or it was used).
    static func release(orderID: String, on session: any SQLDatabase) async throws {
        let released = try await session.delete(from: "promotion_redemptions")
            .where("order_id", .equal, orderID).where("status", .equal, reserved)
            .returning("promotion_id").all()
        for row in released {
            try await session.update("promotions")
                .set(SQLColumn("uses_count"), to: SQLBinaryExpression(SQLColumn("uses_count"), .subtract, SQLLiteral.numeric("1")))
                .where("id", .equal, try row.decode(column: "promotion_id", as: String.self)).run()
        }
    }

    /// The order's use becomes final (it was confirmed).
    static func markUsed(orderID: String, on session: any SQLDatabase) async throws {
        try await session.update("promotion_redemptions").set("status", to: used)
            .where("order_id", .equal, orderID).where("status", .equal, reserved).run()
    }

    /// Whether the owner ever had a booking confirmed (cancelled ones count: they were sold).
    static func hasBooked(ownerID: String, on session: any SQLDatabase) async throws -> Bool {
        try await session.select().column("id").from("orders").where("owner_id", .equal, ownerID)
            .where(SQLColumn("state"), .in, SQLBind.group([OrderState.confirmed, .cancelling, .cancelled].map(\.rawValue)))
            .limit(1).first() != nil
    }
}
