import BoxOfficeStorage
import SQLKit

/// The sandbox provider's tables: its payments and refunds, as a provider keeps them.
public enum SandboxMigrations {
    public static let set = MigrationSet(component: "sandbox_payments", migrations: [
        Migration(1, "create sandbox payments and refunds") { database, _ in
            try await database.create(table: "sandbox_payments")
                .column("reference", type: .text, .primaryKey(autoIncrement: false))
                .column("create_key", type: .text, .notNull, .unique)
                .column("order_id", type: .text, .notNull)
                .column("amount_minor", type: .bigint, .notNull)
                .column("currency", type: .text, .notNull)
                .column("card", type: .text)
                .column("status", type: .text, .notNull)
                .column("failure_reason", type: .text)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("processing_until_ms", type: .bigint)
                .run()
            try await database.create(table: "sandbox_refunds")
                .column("reference", type: .text, .primaryKey(autoIncrement: false))
                .column("payment_reference", type: .text, .notNull, .references("sandbox_payments", "reference"))
                .column("idempotency_key", type: .text, .notNull, .unique)
                .column("amount_minor", type: .bigint, .notNull)
                .column("currency", type: .text, .notNull)
                .column("status", type: .text, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("settles_at_ms", type: .bigint, .notNull)
                .run()
            try await database.create(index: "sandbox_refunds_payment").on("sandbox_refunds").column("payment_reference").run()
        },
    ])
}

struct PaymentRow: Codable, Sendable, Equatable {
    static let awaitingMethod = "awaiting_method"
    static let requiresAction = "requires_action"
    static let processing = "processing"
    static let authorized = "authorized"
    static let captured = "captured"
    static let failed = "failed"
    static let canceled = "canceled"

    var reference: String
    var createKey: String
    var orderId: String
    var amountMinor: Int64
    var currency: String
    var card: String?
    var status: String
    var failureReason: String?
    var createdAtMs: Int64
    var processingUntilMs: Int64?

    enum CodingKeys: String, CodingKey {
        case reference, currency, card, status
        case createKey = "create_key", orderId = "order_id", amountMinor = "amount_minor"
        case failureReason = "failure_reason", createdAtMs = "created_at_ms", processingUntilMs = "processing_until_ms"
    }

    var payment: ProviderPayment {
        let state: ProviderPayment.Status = switch status {
        case Self.requiresAction: .requiresAction
        case Self.processing: .processing
        case Self.authorized: .authorized
        case Self.captured: .captured
        case Self.failed: .failed(reason: failureReason ?? "failed")
        case Self.canceled: .canceled
        default: .awaitingMethod
        }
        return ProviderPayment(
            reference: reference, status: state, amount: Money(amountMinor, currency), orderID: orderId,
            nextActionURL: state == .requiresAction ? "/sandbox/payments/\(reference)/authenticate" : nil)
    }
}

extension PaymentRow {
    /// Adds the row, unless its create key was used before: then it adds nothing and returns no
    /// row. Built before the transaction that runs it.
    var insertUnlessKeyUsed: SQLQueryString {
        """
        INSERT INTO sandbox_payments (reference, create_key, order_id, amount_minor, currency, card, status, failure_reason,
        created_at_ms, processing_until_ms) VALUES (\(bind: reference), \(bind: createKey), \(bind: orderId), \(bind: amountMinor),
        \(bind: currency), \(Self.bind(card)), \(bind: status), \(Self.bind(failureReason)), \(bind: createdAtMs),
        \(Self.bind(processingUntilMs))) ON CONFLICT (create_key) DO NOTHING RETURNING reference
        """
    }

    /// What a change of a payment may touch; the rest of its row is fixed when it is created.
    struct Changeable: Equatable {
        var status: String
        var card: String?
        var failureReason: String?
        var processingUntilMs: Int64?
    }

    var changeable: Changeable {
        get { Changeable(status: status, card: card, failureReason: failureReason, processingUntilMs: processingUntilMs) }
        set { (status, card, failureReason, processingUntilMs) = (newValue.status, newValue.card, newValue.failureReason, newValue.processingUntilMs) }
    }

    /// Writes `next` over the row if the row still holds `current`'s values; returns a row if it did.
    static func update(from current: PaymentRow, to next: Changeable) -> SQLQueryString {
        """
        UPDATE sandbox_payments SET status = \(bind: next.status), card = \(bind(next.card)),
        failure_reason = \(bind(next.failureReason)), processing_until_ms = \(bind(next.processingUntilMs))
        WHERE reference = \(bind: current.reference) AND status = \(bind: current.status)
        AND card IS NOT DISTINCT FROM \(bind(current.card)) AND failure_reason IS NOT DISTINCT FROM \(bind(current.failureReason))
        AND processing_until_ms IS NOT DISTINCT FROM \(bind(current.processingUntilMs)) RETURNING reference
        """
    }

    /// A value, or the literal NULL (which needs no type for PostgreSQL to infer).
    private static func bind(_ value: (some Encodable & Sendable)?) -> any SQLExpression {
        value.map { SQLBind($0) } ?? SQLLiteral.null
    }
}

struct RefundRow: Codable, Sendable, Equatable {
    static let pending = "pending"
    static let succeeded = "succeeded"
    static let failed = "failed"

    var reference: String
    var paymentReference: String
    var idempotencyKey: String
    var amountMinor: Int64
    var currency: String
    /// `pending` for a refund that will fail once `settlesAtMs` passes.
    var status: String
    var createdAtMs: Int64
    var settlesAtMs: Int64

    enum CodingKeys: String, CodingKey {
        case reference, currency, status
        case paymentReference = "payment_reference", idempotencyKey = "idempotency_key", amountMinor = "amount_minor"
        case createdAtMs = "created_at_ms", settlesAtMs = "settles_at_ms"
    }

    func refund(now: Int64) -> ProviderRefund {
        let state: ProviderRefund.Status = switch status {
        case Self.succeeded: .succeeded
        case Self.pending where now < settlesAtMs: .pending
        default: .failed(reason: "insufficient_merchant_balance")
        }
        return ProviderRefund(reference: reference, paymentReference: paymentReference, amount: Money(amountMinor, currency), status: state)
    }
}
