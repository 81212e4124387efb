import BoxOfficeStorage
import Foundation
import SQLKit

/// An order as the `orders` table holds it.
struct OrderRow: Codable, Sendable {
    var id: String
    var ownerId: String
    var customerReference: String?
    var showtimeId: String
    var movieId: String
    var theatreId: String
    var seatShowId: Int64
    var showtimeStartsAtMs: Int64
    var selection: String
    var state: String
    var version: Int64
    var seats: String
    var price: String?
    var cancellationPolicy: String
    var promotionId: String?
    var holdId: Int64?
    var holdDeadlineMs: Int64?
    var holdExtended: Int
    var paymentProvider: String
    var paymentAttempt: Int
    var paymentReference: String?
    var paymentClientSecret: String?
    var paymentNextActionUrl: String?
    var paymentFailure: String?
    var seatBookingId: Int64?
    var seatBookingCancelled: Int
    var bookingCode: String?
    var capturedMinor: Int64
    var refundMinor: Int64?
    var cancellationFeeMinor: Int64?
    var failureReason: String?
    var createdAtMs: Int64
    var updatedAtMs: Int64

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, selection, state, version, seats, price
        case ownerId = "owner_id", customerReference = "customer_reference", showtimeId = "showtime_id", movieId = "movie_id"
        case theatreId = "theatre_id", seatShowId = "seat_show_id", showtimeStartsAtMs = "showtime_starts_at_ms"
        case cancellationPolicy = "cancellation_policy", promotionId = "promotion_id", holdId = "hold_id", holdDeadlineMs = "hold_deadline_ms", holdExtended = "hold_extended"
        case paymentProvider = "payment_provider", paymentAttempt = "payment_attempt", paymentReference = "payment_reference"
        case paymentClientSecret = "payment_client_secret"
        case paymentNextActionUrl = "payment_next_action_url", paymentFailure = "payment_failure"
        case seatBookingId = "seat_booking_id", seatBookingCancelled = "seat_booking_cancelled", bookingCode = "booking_code"
        case capturedMinor = "captured_minor", refundMinor = "refund_minor", cancellationFeeMinor = "cancellation_fee_minor"
        case failureReason = "failure_reason", createdAtMs = "created_at_ms", updatedAtMs = "updated_at_ms"
    }

    /// Every column, for a statement that reads whole rows: a prepared `SELECT *` would fail once
    /// a newer box office added a column (see `PreparedSQL`).
    static let columnList = CodingKeys.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")

    /// The columns of `order` that differ from `previous` (all of them without one), each with
    /// its value: statements are written with these instead of SQLKit's per-query model encoding
    /// and identifier quoting, which on the booking path cost more than the statement; and a step
    /// rewrites only what it changed, not the order's JSON columns every time.
    static func columns(of order: Order, changedFrom previous: Order? = nil) -> [(key: CodingKeys, value: any SQLExpression)] {
        var columns: [(key: CodingKeys, value: any SQLExpression)] = []
        func column<Value: Equatable>(_ key: CodingKeys, _ field: KeyPath<Order, Value>, _ value: (Value) -> any SQLExpression) {
            let new = order[keyPath: field]
            if let previous, previous[keyPath: field] == new { return }
            columns.append((key, value(new)))
        }
        column(.id, \.id) { SQLBind($0) }
        column(.ownerId, \.ownerID) { SQLBind($0) }
        column(.customerReference, \.customerReference) { bind($0) }
        column(.showtimeId, \.showtimeID) { SQLBind($0) }
        column(.movieId, \.movieID) { SQLBind($0) }
        column(.theatreId, \.theatreID) { SQLBind($0) }
        column(.seatShowId, \.seatShowID) { SQLBind(Int64($0)) }
        column(.showtimeStartsAtMs, \.showtimeStartsAt) { SQLBind($0.millisecondsSince1970) }
        column(.selection, \.selection) { SQLBind(JSONColumn.text($0)) }
        column(.state, \.state) { SQLBind($0.rawValue) }
        column(.version, \.version) { SQLBind($0) }
        column(.seats, \.seats) { SQLBind(JSONColumn.text($0)) }
        column(.price, \.price) { bind($0.map { JSONColumn.text($0) }) }
        column(.cancellationPolicy, \.cancellationPolicy) { SQLBind(JSONColumn.text($0)) }
        column(.promotionId, \.promotionID) { bind($0) }
        column(.holdId, \.holdID) { bind($0.map { Int64(bitPattern: $0) }) }
        column(.holdDeadlineMs, \.holdDeadline) { bind($0?.millisecondsSince1970) }
        column(.holdExtended, \.isHoldExtended) { SQLBind($0 ? 1 : 0) }
        column(.paymentProvider, \.paymentProvider) { SQLBind($0) }
        column(.paymentAttempt, \.paymentAttempt) { SQLBind($0) }
        column(.paymentReference, \.paymentReference) { bind($0) }
        column(.paymentClientSecret, \.paymentClientSecret) { bind($0) }
        column(.paymentNextActionUrl, \.paymentNextActionURL) { bind($0) }
        column(.paymentFailure, \.paymentFailure) { bind($0) }
        column(.seatBookingId, \.seatBookingID) { bind($0.map { Int64(bitPattern: $0) }) }
        column(.seatBookingCancelled, \.isSeatBookingCancelled) { SQLBind($0 ? 1 : 0) }
        column(.bookingCode, \.bookingCode) { bind($0) }
        column(.capturedMinor, \.capturedMinor) { SQLBind($0) }
        column(.refundMinor, \.refundMinor) { bind($0) }
        column(.cancellationFeeMinor, \.cancellationFeeMinor) { bind($0) }
        column(.failureReason, \.failureReason) { bind($0) }
        column(.createdAtMs, \.createdAt) { SQLBind($0.millisecondsSince1970) }
        column(.updatedAtMs, \.updatedAt) { SQLBind($0.millisecondsSince1970) }
        return columns
    }

    private static func bind(_ value: (some Encodable & Sendable)?) -> any SQLExpression {
        value.map { SQLBind($0) } ?? SQLLiteral.null
    }

    func order() throws -> Order {
        guard let state = OrderState(rawValue: state), let seatShowID = UInt32(exactly: seatShowId) else {
            throw OrderRecords.CorruptRow(id: id)
        }
        return Order(
            id: id, ownerID: ownerId, customerReference: customerReference, showtimeID: showtimeId, movieID: movieId, theatreID: theatreId,
            seatShowID: seatShowID, showtimeStartsAt: Date(millisecondsSince1970: showtimeStartsAtMs),
            selection: try JSONColumn.value(from: selection), state: state, version: version,
            seats: try JSONColumn.value(from: seats), price: try price.map { try JSONColumn.value(from: $0) },
            cancellationPolicy: try JSONColumn.value(from: cancellationPolicy), promotionID: promotionId,
            holdID: holdId.map { UInt64(bitPattern: $0) }, holdDeadline: holdDeadlineMs.map { Date(millisecondsSince1970: $0) },
            isHoldExtended: holdExtended != 0, paymentProvider: paymentProvider, paymentAttempt: paymentAttempt,
            paymentReference: paymentReference, paymentClientSecret: paymentClientSecret, paymentNextActionURL: paymentNextActionUrl, paymentFailure: paymentFailure,
            seatBookingID: seatBookingId.map { UInt64(bitPattern: $0) }, isSeatBookingCancelled: seatBookingCancelled != 0,
            bookingCode: bookingCode, capturedMinor: capturedMinor, refundMinor: refundMinor,
            cancellationFeeMinor: cancellationFeeMinor, failureReason: failureReason,
            createdAt: Date(millisecondsSince1970: createdAtMs), updatedAt: Date(millisecondsSince1970: updatedAtMs))
    }
}

/// An order's row written by one statement, built before the transaction that runs it: the
/// encoding of its JSON columns and the statement's text are then off the single writer's turn.
struct OrderWrite: Sendable {
    private let statement: SQLQueryString

    /// Adds the order.
    static func insert(_ order: Order) -> OrderWrite {
        let columns = OrderRow.columns(of: order)
        var statement = SQLQueryString("INSERT INTO orders (")
        statement.appendInterpolation(unsafeRaw: columns.map { "\"\($0.key.rawValue)\"" }.joined(separator: ", "))
        statement.appendInterpolation(unsafeRaw: ") VALUES (")
        for (index, column) in columns.enumerated() {
            if index > 0 { statement.appendInterpolation(unsafeRaw: ", ") }
            statement.appendInterpolation(column.value)
        }
        statement.appendInterpolation(unsafeRaw: ") RETURNING id")
        return OrderWrite(statement: statement)
    }

    /// Writes what `order` changed of `previous` (as read, at `order.version`) and bumps the
    /// version, if the row is still at that version: then the columns left alone still hold
    /// `previous`'s values.
    static func update(_ order: Order, from previous: Order) -> OrderWrite {
        var next = order
        next.version += 1
        var statement = SQLQueryString("UPDATE orders SET ")
        for (index, column) in OrderRow.columns(of: next, changedFrom: previous).enumerated() {
            statement.appendInterpolation(unsafeRaw: (index > 0 ? ", \"" : "\"") + column.key.rawValue + "\" = ")
            statement.appendInterpolation(column.value)
        }
        statement.appendInterpolation(unsafeRaw: " WHERE id = ")
        statement.appendInterpolation(bind: order.id)
        statement.appendInterpolation(unsafeRaw: " AND version = ")
        statement.appendInterpolation(bind: order.version)
        statement.appendInterpolation(unsafeRaw: " RETURNING id")
        return OrderWrite(statement: statement)
    }

    /// Runs the statement; returns whether it wrote the row.
    @discardableResult
    func run(on session: any SQLDatabase) async throws -> Bool {
        try await session.prepared(statement).first() != nil
    }

    /// Runs the statement and then `inserts` only if it wrote the row, as one statement
    /// (``SQLQueryString/write(_:thenInserting:)``: PostgreSQL only); returns whether it wrote
    /// the row.
    func run(thenInserting inserts: [RowInsert], on session: any SQLDatabase) async throws -> Bool {
        guard !inserts.isEmpty else { return try await run(on: session) }
        return try await session.prepared(.write(statement, thenInserting: inserts)).first() != nil
    }
}

/// The SQL of orders, refunds and the webhook inbox.
enum OrderRecords {
    struct CorruptRow: Error, CustomStringConvertible {
        let id: String
        var description: String { "order \(id) has a state or show this program does not know" }
    }

    /// States the reconciler looks at (and held orders, once their hold ran out).
    static let unsettledStates: [OrderState] = [.holding, .paying, .authorized, .seatsConfirmed, .voiding, .cancelling]

    // The statements every booking runs are written as text with bound values rather than with
    // SQLKit's builders, whose building and identifier quoting cost more than running them.

    static func find(id: String, on session: any SQLDatabase) async throws -> Order? {
        try await session.prepared("SELECT \(unsafeRaw: OrderRow.columnList) FROM orders WHERE id = \(bind: id)")
            .first(decoding: OrderRow.self)?.order()
    }

    /// The order's state alone, without reading and decoding its whole row; nil when there is
    /// no such order.
    static func state(id: String, on session: any SQLDatabase) async throws -> OrderState? {
        guard let row = try await session.prepared("SELECT state FROM orders WHERE id = \(bind: id)").first() else { return nil }
        guard let state = OrderState(rawValue: try row.decode(column: "state", as: String.self)) else { throw CorruptRow(id: id) }
        return state
    }

    /// Stores what `order` changed of `previous` if nobody changed the row since `previous` was
    /// read (at `order.version`); returns whether it did (with the version bumped).
    static func update(_ order: Order, from previous: Order, on session: any SQLDatabase) async throws -> Bool {
        try await OrderWrite.update(order, from: previous).run(on: session)
    }

    /// A customer's orders, newest first, a page at a time.
    static func orders(owner: String, limit: Int, createdBefore: Int64?, on session: any SQLDatabase) async throws -> [Order] {
        var query = session.select().column("*").from("orders").where("owner_id", .equal, owner)
        if let createdBefore { query = query.where("created_at_ms", .lessThan, createdBefore) }
        return try await query.orderBy("created_at_ms", .descending).limit(limit)
            .all(decoding: OrderRow.self).map { try $0.order() }
    }

    /// Orders that need the reconciler: in an intermediate state untouched since `untouchedSince`
    /// (last updated then or earlier: with no wait, an order updated in the same millisecond
    /// counts), or held past their deadline. Oldest first.
    static func unsettled(untouchedSince: Int64, now: Int64, limit: Int, on session: any SQLDatabase) async throws -> [Order] {
        try await session.select().column("*").from("orders")
            .where { group in
                group.where(SQLColumn("state"), .in, SQLBind.group(unsettledStates.map(\.rawValue)))
                    .where("updated_at_ms", .lessThanOrEqual, untouchedSince)
            }
            .orWhere { group in
                group.where("state", .equal, OrderState.held.rawValue).where("hold_deadline_ms", .lessThan, now)
            }
            .orderBy("updated_at_ms").limit(limit)
            .all(decoding: OrderRow.self).map { try $0.order() }
    }

    /// Whether `ownerID` holds a confirmed booking of `movieID` whose showtime started by `nowMs`.
    static func hasSeen(ownerID: String, movieID: String, nowMs: Int64, on session: any SQLDatabase) async throws -> Bool {
        try await session.select().column("id").from("orders")
            .where("owner_id", .equal, ownerID).where("movie_id", .equal, movieID)
            .where("state", .equal, OrderState.confirmed.rawValue).where("showtime_starts_at_ms", .lessThanOrEqual, nowMs)
            .limit(1).first() != nil
    }

    /// The showtimes that have confirmed bookings.
    static func showtimesWithConfirmedOrders(on session: any SQLDatabase) async throws -> [String] {
        try await session.select().distinct().column("showtime_id").from("orders")
            .where("state", .equal, OrderState.confirmed.rawValue)
            .all().map { try $0.decode(column: "showtime_id", as: String.self) }
    }

    static func orders(showtimeID: String, state: OrderState, limit: Int, on session: any SQLDatabase) async throws -> [Order] {
        try await session.select().column("*").from("orders")
            .where("showtime_id", .equal, showtimeID).where("state", .equal, state.rawValue)
            .orderBy("created_at_ms").limit(limit)
            .all(decoding: OrderRow.self).map { try $0.order() }
    }

    /// A showtime's orders counted by state.
    static func stateCounts(showtimeID: String, on session: any SQLDatabase) async throws -> [String: Int] {
        let rows = try await session.select().column("state").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count")
            .from("orders").where("showtime_id", .equal, showtimeID).groupBy("state").all()
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(column: "state", as: String.self)] = try row.decode(column: "count", as: Int.self) }
        return counts
    }

    /// A showtime's refunds, with their orders.
    static func refunds(showtimeID: String, on session: any SQLDatabase) async throws -> [RefundRow] {
        try await session.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("order_refunds"))).from("order_refunds")
            .join("orders", on: SQLColumn("order_id", table: "order_refunds"), .equal, SQLColumn("id", table: "orders"))
            .where(SQLColumn("showtime_id", table: "orders"), .equal, SQLBind(showtimeID))
            .orderBy(SQLColumn("created_at_ms", table: "order_refunds"))
            .all(decoding: RefundRow.self)
    }

    // MARK: refunds

    struct RefundRow: Codable, Sendable {
        static let requested = "requested"
        static let pending = "pending"
        static let succeeded = "succeeded"
        static let failed = "failed"

        var idempotencyKey: String
        var orderId: String
        var amountMinor: Int64
        var currency: String
        /// `cancellation` or `void`.
        var reason: String
        var providerReference: String?
        var status: String
        var createdAtMs: Int64
        var updatedAtMs: Int64

        enum CodingKeys: String, CodingKey, CaseIterable {
            case currency, reason, status
            case idempotencyKey = "idempotency_key", orderId = "order_id", amountMinor = "amount_minor"
            case providerReference = "provider_reference", createdAtMs = "created_at_ms", updatedAtMs = "updated_at_ms"
        }
    }

    /// Records a refund about to be asked for, unless one with its key exists; refuses one that
    /// would take the order's refunds past what was captured.
    static func recordRefund(_ refund: RefundRow, capturedMinor: Int64, on session: any SQLDatabase) async throws -> RefundRow {
        if let existing = try await session.select().column("*").from("order_refunds")
            .where("idempotency_key", .equal, refund.idempotencyKey).first(decoding: RefundRow.self) {
            return existing
        }
        let refunded = try await session.select()
            .column(SQLIntegerSum("amount_minor"), as: "total")
            .from("order_refunds").where("order_id", .equal, refund.orderId).where("status", .notEqual, RefundRow.failed)
            .first()?.decode(column: "total", as: Int64.self) ?? 0
        guard refunded + refund.amountMinor <= capturedMinor else {
            throw RefundExceedsCapture(orderID: refund.orderId, capturedMinor: capturedMinor, refundedMinor: refunded,
                                       requestedMinor: refund.amountMinor)
        }
        try await session.insert(into: "order_refunds").model(refund).run()
        return refund
    }

    struct RefundExceedsCapture: Error, CustomStringConvertible {
        let orderID: String
        let capturedMinor: Int64
        let refundedMinor: Int64
        let requestedMinor: Int64
        var description: String {
            "a refund of \(requestedMinor) for order \(orderID) would exceed its capture of \(capturedMinor) (\(refundedMinor) already refunded)"
        }
    }

    static func updateRefund(key: String, providerReference: String, status: String, now: Int64, on session: any SQLDatabase) async throws {
        try await session.update("order_refunds")
            .set("provider_reference", to: providerReference).set("status", to: status).set("updated_at_ms", to: now)
            .where("idempotency_key", .equal, key).run()
    }

    /// Refunds not yet final, untouched since `untouchedSince` (as ``unsettled``), oldest first.
    static func unsettledRefunds(untouchedSince: Int64, limit: Int, on session: any SQLDatabase) async throws -> [RefundRow] {
        try await session.select().column("*").from("order_refunds")
            .where(SQLColumn("status"), .in, SQLBind.group([RefundRow.requested, RefundRow.pending]))
            .where("updated_at_ms", .lessThanOrEqual, untouchedSince)
            .orderBy("updated_at_ms").limit(limit)
            .all(decoding: RefundRow.self)
    }

    static func refunds(orderID: String, on session: any SQLDatabase) async throws -> [RefundRow] {
        try await session.select().column("*").from("order_refunds").where("order_id", .equal, orderID)
            .orderBy("created_at_ms").all(decoding: RefundRow.self)
    }

    // MARK: webhook inbox

    /// What recording a webhook's event found.
    enum WebhookRecord: Equatable {
        /// The event was recorded before: a repeat, which changes nothing.
        case repeated
        /// Recorded now; no order pays with the event's payment.
        case noOrder
        /// Recorded now; the order paying with the event's payment, as it stands.
        case order(id: String, state: OrderState)
    }

    /// Records a webhook's event in the inbox and, when it was not there yet, finds the order
    /// paying with `paymentReference`, in one statement: one round trip on PostgreSQL, and on
    /// SQLite no reader's turn after the writer's. Webhooks come at least once per payment
    /// change, so this is on every booking's path.
    static func recordWebhook(
        provider: String, eventID: String, type: String, paymentReference: String, now: Int64, on session: any SQLDatabase
    ) async throws -> WebhookRecord {
        // The order is found by a subquery of the insert's RETURNING (SQLite and PostgreSQL
        // both take one there); a repeat returns no row, so it reads nothing.
        let order: SQLQueryString =
            "FROM orders WHERE payment_reference = \(bind: paymentReference) AND payment_provider = \(bind: provider)"
        guard let row = try await session.prepared("""
            INSERT INTO webhook_inbox (provider, event_id, event_type, received_at_ms)
            VALUES (\(bind: provider), \(bind: eventID), \(bind: type), \(bind: now))
            ON CONFLICT (provider, event_id) DO NOTHING
            RETURNING (SELECT id \(order)) AS order_id, (SELECT state \(order)) AS order_state
            """).first()
        else { return .repeated }
        guard let id = try row.decode(column: "order_id", as: String?.self) else { return .noOrder }
        guard let state = OrderState(rawValue: try row.decode(column: "order_state", as: String.self)) else { throw CorruptRow(id: id) }
        return .order(id: id, state: state)
    }

    /// Deletes up to `limit` inbox entries received before `beforeMs`, oldest first (their
    /// index); returns how many.
    static func forgetWebhooks(receivedBefore beforeMs: Int64, limit: Int, on session: any SQLDatabase) async throws -> Int {
        try await session.raw("""
            DELETE FROM webhook_inbox WHERE (provider, event_id) IN (
                SELECT provider, event_id FROM webhook_inbox WHERE received_at_ms < \(bind: beforeMs)
                ORDER BY received_at_ms LIMIT \(bind: limit))
            RETURNING event_id
            """).all().count
    }
}
