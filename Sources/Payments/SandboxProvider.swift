import BoxOfficeStorage
import Foundation
import Logging
import SQLKit
import Synchronization

/// The built-in payment provider of the embedded default and the tests: it behaves like a
/// real one (idempotency keys, manual capture, 3-D Secure, processing delays, lost answers,
/// failing refunds, signed webhooks that may come late or twice) and moves no money.
///
/// Its payments live in the box office's database (its own tables), so they survive a restart
/// as a real provider's would, and the saga's crash recovery is tested against the same
/// behaviour. Which behaviour a payment gets is chosen by its test card (``SandboxCard``).
public final class SandboxProvider: PaymentProvider {
    public struct Configuration: Sendable {
        /// Signs webhooks (`Sandbox-Signature`, the ``TimestampedSignature`` scheme).
        public var webhookSecret: String
        /// How long a ``SandboxCard/processing`` payment processes.
        public var processingDelay: Duration = .seconds(2)
        /// How long after the change a webhook is sent.
        public var webhookDelay: Duration = .zero
        /// Send every webhook twice (as providers may).
        public var sendsWebhooksTwice = false
        /// Webhooks waiting for their delivery at most: past it, the oldest are dropped (and
        /// counted) rather than kept without bound while the delivery falls behind.
        public var webhooksWaitingMax = 10_000

        public init(webhookSecret: String) {
            self.webhookSecret = webhookSecret
        }
    }

    /// A webhook as the sandbox sends it: the raw body and its headers.
    public struct Webhook: Sendable {
        public var body: [UInt8]
        public var headers: [String: String]
    }

    public static let signatureHeader = "sandbox-signature"
    public let name = "sandbox"
    let configuration: Configuration
    let database: Database
    let now: @Sendable () -> Date
    let signature: TimestampedSignature
    /// Dropped webhooks are logged at the first and then at every this many.
    static let droppedWebhooksLoggedEvery = 1_000
    /// Webhooks, in the order they are sent (those sent after a delay when it ends); the
    /// application delivers them to the booking service.
    public let webhooks: AsyncStream<Webhook>
    private let webhookSink: AsyncStream<Webhook>.Continuation
    private let droppedWebhooks = Atomic<Int>(0)
    private let logger: Logger
    /// Spares a change the read before its write (a busy sale's confirmations and captures).
    let knownRows = KnownPaymentRows()

    public init(configuration: Configuration, database: Database, now: @escaping @Sendable () -> Date = Date.init,
                logger: Logger = Logger(label: "sandbox")) {
        self.configuration = configuration
        self.database = database
        self.now = now
        self.logger = logger
        signature = TimestampedSignature(secret: configuration.webhookSecret)
        (webhooks, webhookSink) = AsyncStream.makeStream(of: Webhook.self, bufferingPolicy: .bufferingNewest(configuration.webhooksWaitingMax))
    }

    /// Webhooks dropped so far because their delivery fell behind by
    /// ``Configuration/webhooksWaitingMax``.
    /// Their orders were most often settled already by the customer's own request; the others
    /// are settled by the reconciler, as after any lost webhook.
    public var webhooksDropped: Int { droppedWebhooks.load(ordering: .relaxed) }

    // MARK: payments

    public func createPayment(amount: Money, orderID: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        guard amount.amountMinor > 0, Money.isCurrencyCode(amount.currency) else {
            throw .refused("amount must be positive in an ISO 4217 currency")
        }
        let row = PaymentRow(
            reference: "pay_" + Self.timeOrderedSuffix(), createKey: idempotencyKey, orderId: orderID,
            amountMinor: amount.amountMinor, currency: amount.currency, card: nil, status: PaymentRow.awaitingMethod,
            failureReason: nil, createdAtMs: now().millisecondsSince1970, processingUntilMs: nil)
        let insert = row.insertUnlessKeyUsed
        if try await storage(isOneStatement: true, { session in try await session.prepared(insert).first() != nil }) {
            knownRows.wrote(row)
            return row.payment
        }
        guard let existing = try await read({ session in try await Self.payment(createKey: idempotencyKey, on: session) }) else {
            throw .unavailable("the sandbox's payment for key \(idempotencyKey) is missing")
        }
        // A repeated key must repeat the request, as Stripe checks.
        guard existing.orderId == orderID, existing.amountMinor == amount.amountMinor, existing.currency == amount.currency
        else { throw .refused("idempotency key \(idempotencyKey) was used for another payment") }
        return existing.payment
    }

    public func confirmPayment(_ reference: String, paymentMethod: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        guard let card = SandboxCard(rawValue: paymentMethod) else {
            throw .refused("the sandbox takes only its test cards (docs/box-office.md lists them); \(paymentMethod.count)-character method given")
        }
        let nowMs = now().millisecondsSince1970
        let processingMs = configuration.processingDelay.milliseconds
        let (payment, changed) = try await transition(reference) { row in
            guard row.status == PaymentRow.awaitingMethod || row.status == PaymentRow.failed else { return false }
            row.card = card.rawValue
            row.failureReason = nil
            switch card {
            case .success, .answerLost, .refundsFail: row.status = PaymentRow.authorized
            case .declined: (row.status, row.failureReason) = (PaymentRow.failed, "card_declined")
            case .insufficientFunds: (row.status, row.failureReason) = (PaymentRow.failed, "insufficient_funds")
            case .requiresAuthentication: row.status = PaymentRow.requiresAction
            case .processing:
                row.status = PaymentRow.processing
                row.processingUntilMs = nowMs + processingMs
            }
            return true
        }
        if changed {
            if card == .processing {
                send(event: "payment.authorized", payment: reference, after: configuration.processingDelay)
            } else {
                send(event: "payment.\(payment.status.name)", payment: reference)
            }
        }
        if card == .answerLost && changed { throw .timedOut }
        return payment
    }

    public func fetchPayment(_ reference: String) async throws(PaymentError) -> ProviderPayment {
        guard let row = try await read({ session in try await Self.payment(reference: reference, on: session) }) else {
            throw .unknownPayment(reference)
        }
        // Only a finished processing delay needs the write lock (to record its end).
        if row.status == PaymentRow.processing { return try await transition(reference) { _ in false }.payment }
        return row.payment
    }

    public func capturePayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        let (payment, changed) = try await transition(reference) { row in
            guard row.status == PaymentRow.authorized else { return false }
            row.status = PaymentRow.captured
            return true
        }
        guard payment.status == .captured else {
            throw .refused("payment \(reference) cannot be captured: it is \(payment.status.name)")
        }
        if changed { send(event: "payment.captured", payment: reference) }
        return payment
    }

    public func cancelPayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        let (payment, changed) = try await transition(reference) { row in
            guard row.status != PaymentRow.captured, row.status != PaymentRow.canceled else { return false }
            row.status = PaymentRow.canceled
            return true
        }
        guard payment.status == .canceled else {
            throw .refused("payment \(reference) was captured: refund it instead")
        }
        if changed { send(event: "payment.canceled", payment: reference) }
        return payment
    }

    /// Completes a payment waiting for 3-D Secure, as the customer's bank page would.
    public func authenticate(_ reference: String, approved: Bool) async throws(PaymentError) -> ProviderPayment {
        let (payment, changed) = try await transition(reference) { row in
            guard row.status == PaymentRow.requiresAction else { return false }
            if approved {
                row.status = PaymentRow.authorized
            } else {
                (row.status, row.failureReason) = (PaymentRow.failed, "authentication_failed")
            }
            return true
        }
        if changed { send(event: "payment.\(payment.status.name)", payment: reference) }
        return payment
    }

    // MARK: refunds

    public func refund(_ reference: String, amount: Money, idempotencyKey: String) async throws(PaymentError) -> ProviderRefund {
        let nowMs = now().millisecondsSince1970
        let processingMs = configuration.processingDelay.milliseconds
        let refund = try await storage { session in
            if let existing = try await session.select().column("*").from("sandbox_refunds")
                .where("idempotency_key", .equal, idempotencyKey).first(decoding: RefundRow.self) {
                guard existing.paymentReference == reference, existing.amountMinor == amount.amountMinor else {
                    throw PaymentError.refused("idempotency key \(idempotencyKey) was used for another refund")
                }
                return existing
            }
            guard let payment = try await Self.payment(reference: reference, on: session) else {
                throw PaymentError.unknownPayment(reference)
            }
            guard payment.status == PaymentRow.captured else { throw PaymentError.refused("payment \(reference) was not captured") }
            guard amount.currency == payment.currency, amount.amountMinor > 0 else {
                throw PaymentError.refused("a refund must be a positive amount in \(payment.currency)")
            }
            let refunded = try await session.select().column(SQLIntegerSum("amount_minor"), as: "total")
                .from("sandbox_refunds").where("payment_reference", .equal, reference)
                .where { group in
                    // A pending refund counts until it has failed (its settling time passed).
                    group.where("status", .equal, RefundRow.succeeded)
                        .orWhere { $0.where("status", .equal, RefundRow.pending).where("settles_at_ms", .greaterThan, nowMs) }
                }
                .first()?.decode(column: "total", as: Int64.self) ?? 0
            guard refunded + amount.amountMinor <= payment.amountMinor else {
                throw PaymentError.refused("refunds of \(reference) would exceed the \(payment.amountMinor) captured")
            }
            let row = RefundRow(
                reference: "re_" + Self.timeOrderedSuffix(), paymentReference: reference, idempotencyKey: idempotencyKey,
                amountMinor: amount.amountMinor, currency: amount.currency,
                status: payment.card == SandboxCard.refundsFail.rawValue ? RefundRow.pending : RefundRow.succeeded,
                createdAtMs: nowMs, settlesAtMs: nowMs + processingMs)
            try await session.insert(into: "sandbox_refunds").model(row).run()
            return row
        }
        if refund.status == RefundRow.succeeded { send(event: "refund.succeeded", refund: refund) }
        if refund.status == RefundRow.pending { send(event: "refund.failed", refund: refund, after: configuration.processingDelay) }
        return refund.refund(now: nowMs)
    }

    public func fetchRefund(_ reference: String) async throws(PaymentError) -> ProviderRefund {
        let nowMs = now().millisecondsSince1970
        let row = try await storage { session in
            try await session.select().column("*").from("sandbox_refunds").where("reference", .equal, reference)
                .first(decoding: RefundRow.self)
        }
        guard let row else { throw .unknownRefund(reference) }
        return row.refund(now: nowMs)
    }

    // MARK: webhooks

    /// The sandbox's 3-D Secure page brings nothing signed back: the payment is looked up.
    public func verifyReturn(_ reference: String, fields: [String: String]) throws(PaymentError) {}

    public func verifyWebhook(rawBody: [UInt8], headers: [String: String], now: Date) throws(PaymentError) -> ProviderEvent {
        guard let header = headers[Self.signatureHeader] else { throw .invalidWebhook("no \(Self.signatureHeader) header") }
        try signature.verify(header: header, body: rawBody, now: now)
        guard let event = try? JSONDecoder().decode(EventBody.self, from: Data(rawBody)) else {
            throw .invalidWebhook("the body is not a sandbox event")
        }
        if let refund = event.data.refund {
            return ProviderEvent(id: event.id, type: event.type, object: .refund(reference: refund, paymentReference: event.data.payment))
        }
        return ProviderEvent(id: event.id, type: event.type, object: .payment(reference: event.data.payment))
    }

    struct EventBody: Codable {
        struct Data: Codable {
            var payment: String
            var refund: String?
        }
        var id: String
        var type: String
        var created: Int64
        var data: Data
    }

    private func send(event type: String, payment: String, after delay: Duration = .zero) {
        send(EventBody(id: "evt_" + Self.timeOrderedSuffix(), type: type, created: 0, data: .init(payment: payment, refund: nil)), after: delay)
    }

    private func send(event type: String, refund: RefundRow, after delay: Duration = .zero) {
        send(EventBody(id: "evt_" + Self.timeOrderedSuffix(), type: type, created: 0,
                       data: .init(payment: refund.paymentReference, refund: refund.reference)), after: delay)
    }

    /// Sends the webhook at once, or when `delay` and the configured webhook delay have passed:
    /// webhooks sent at once join the stream in the order of the changes they tell of.
    private func send(_ event: EventBody, after delay: Duration) {
        let total = delay + configuration.webhookDelay
        guard total > .zero else { return enqueue(event) }
        Task { [self] in
            try? await Task.sleep(for: total)
            enqueue(event)
        }
    }

    /// Signs the webhook as sent now and puts it in the stream (twice if so configured),
    /// counting what the stream drops.
    private func enqueue(_ event: EventBody) {
        var event = event
        let sentAt = now()
        event.created = Int64(sentAt.timeIntervalSince1970)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let body = try? Array(encoder.encode(event)) else { return }
        let webhook = Webhook(body: body, headers: [Self.signatureHeader: signature.header(for: body, at: sentAt)])
        for _ in 0..<(configuration.sendsWebhooksTwice ? 2 : 1) {
            guard case .dropped = webhookSink.yield(webhook) else { continue }
            let dropped = droppedWebhooks.wrappingAdd(1, ordering: .relaxed).newValue
            if dropped == 1 || dropped % Self.droppedWebhooksLoggedEvery == 0 {
                logger.warning("sandbox webhooks dropped: their delivery fell behind",
                               metadata: ["dropped": "\(dropped)", "waitingMax": "\(configuration.webhooksWaitingMax)"])
            }
        }
    }

    // MARK: storage

    /// Changes of one payment tried before giving up, when it keeps changing between the read
    /// and the write.
    static let transitionAttemptsMax = 8

    /// Applies `change` to what may change of the payment's row (after settling a finished
    /// processing delay), the only columns then written; returns the payment and whether `change`
    /// changed it. The row is taken as this process last wrote it (``knownRows``), else read
    /// outside the write lock, and written only if the table still holds it (else read again):
    /// the writer runs one statement. A remembered row that `change` leaves alone is read again
    /// before it is answered, as the table may have moved on.
    private func transition(
        _ reference: String, _ change: (inout PaymentRow.Changeable) -> Bool
    ) async throws(PaymentError) -> (payment: ProviderPayment, changed: Bool) {
        var remembered = knownRows.row(reference)
        for _ in 0..<Self.transitionAttemptsMax {
            let nowMs = now().millisecondsSince1970
            let isRemembered = remembered != nil
            let current: PaymentRow
            if let remembered {
                current = remembered
            } else {
                guard let stored = try await read({ session in try await Self.payment(reference: reference, on: session) }) else {
                    throw .unknownPayment(reference)
                }
                current = stored
            }
            remembered = nil
            var row = current
            if row.status == PaymentRow.processing, let until = row.processingUntilMs, until <= nowMs {
                row.status = PaymentRow.authorized
            }
            let changed = change(&row.changeable)
            if row == current {
                if isRemembered { continue }
                return (row.payment, changed)
            }
            let update = PaymentRow.update(from: current, to: row.changeable)
            if try await storage(isOneStatement: true, { session in try await session.prepared(update).first() != nil }) {
                knownRows.wrote(row)
                return (row.payment, changed)
            }
            if isRemembered { knownRows.forget(reference) }
        }
        throw .unavailable("payment \(reference) kept changing while it was being changed; try again")
    }

    /// Runs `body` in a transaction; as one statement (``Database/write(_:)``: no `BEGIN` and
    /// `COMMIT` around it on PostgreSQL) when `isOneStatement`.
    private func storage<Result: Sendable>(
        isOneStatement: Bool = false, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws(PaymentError) -> Result {
        do {
            return isOneStatement ? try await database.write(body) : try await database.transaction(body)
        } catch let error as PaymentError {
            throw error
        } catch {
            throw .unavailable("the sandbox's storage failed: \(error)")
        }
    }

    /// Reads committed rows (on SQLite, off the writer).
    private func read<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws(PaymentError) -> Result {
        do {
            return try await database.withReadSession(body)
        } catch {
            throw .unavailable("the sandbox's storage failed: \(error)")
        }
    }

    private static func payment(reference: String, on session: any SQLDatabase) async throws -> PaymentRow? {
        try await session.select().column("*").from("sandbox_payments").where("reference", .equal, reference)
            .first(decoding: PaymentRow.self)
    }

    private static func payment(createKey: String, on session: any SQLDatabase) async throws -> PaymentRow? {
        try await session.select().column("*").from("sandbox_payments").where("create_key", .equal, createKey)
            .first(decoding: PaymentRow.self)
    }

    /// 24 hex digits: a time-ordered UUID's time (12) and 42 of its random bits, so the sandbox's
    /// references and event ids, keys of its tables and of the webhook inbox, are made in order.
    static func timeOrderedSuffix() -> String {
        String(UUID.timeOrderedID().filter { $0 != "-" }.prefix(24))
    }
}

extension ProviderPayment.Status {
    /// The status in snake case, as events and messages name it.
    public var name: String {
        switch self {
        case .awaitingMethod: "awaiting_method"
        case .requiresAction: "requires_action"
        case .processing: "processing"
        case .authorized: "authorized"
        case .captured: "captured"
        case .failed: "failed"
        case .canceled: "canceled"
        }
    }
}
