import BoxOfficeStorage
import Crypto
import Catalog
import Foundation
import Payments
import SeatClient
import SeatInventory
import SeatProtocol

extension BookingService {
    /// The most steps one drive takes: the longest path (hold to confirmed, or confirmed to
    /// cancelled) has seven.
    static let stepsPerDriveMax = 12

    /// What running one step left behind.
    struct StepOutcome: Sendable {
        var order: Order
        /// Whether the step moved the order on (false: its call failed for now, or another actor
        /// changed the order first).
        var progressed: Bool
        /// The seat server's refusal of the hold, in people's words.
        var holdRefusal: BookingError?
        /// The provider's error, when the step could not reach a decision.
        var paymentError: PaymentError?
    }

    /// Runs the order's steps until it waits for its customer, is settled, or a call fails for
    /// now (the reconciler tries again later). Returns the order as it then stands.
    @discardableResult
    public func drive(_ orderID: String) async throws -> Order {
        try await locks.withLock(orderID) { try await self.advance(try await self.load(orderID)) }
    }

    /// Runs steps from `order` (as stored), for a caller that holds the order's lock.
    func advance(_ order: Order) async throws -> Order {
        var order = order
        for _ in 0..<Self.stepsPerDriveMax {
            let step = OrderSaga(order).nextStep(now: now())
            guard step != .none, step != .awaitCustomer, let seats else { break }
            let outcome = try await runStep(step, of: OrderSaga(order), seats: seats)
            order = outcome.order
            guard outcome.progressed else { break }
        }
        return order
    }

    /// Runs `step` for the order `pending` leads to, and stores what came of both in one write:
    /// `pending` may carry changes not stored yet (a payment observed), which are stored even
    /// when the step's call fails for now.
    func runStep(_ step: OrderSaga.Step, of pending: OrderSaga, seats: any SeatRequesting) async throws -> StepOutcome {
        var saga = pending
        var outcome = StepOutcome(order: pending.original, progressed: false)
        guard try await perform(step, on: &saga, noting: &outcome, seats: seats) else {
            var kept = try await record(pending, into: outcome)
            kept.progressed = false
            return kept
        }
        return try await record(saga, into: outcome)
    }

    /// Makes `step`'s calls for the order and records their outcome in `saga` (refusals and
    /// provider errors in `outcome`); returns false when a call failed for now, leaving the step
    /// undecided.
    private func perform(
        _ step: OrderSaga.Step, on saga: inout OrderSaga, noting outcome: inout StepOutcome, seats: any SeatRequesting
    ) async throws -> Bool {
        let order = saga.order
        switch step {
        case .placeHold:
            do {
                let reply = try await placeHold(order, seats: seats)
                let seating = try await seating(order.showtimeID)
                let held = reply.seats.map { seat in
                    let index = SeatIndex(Int(seat))
                    let category = seating.layout.categories[seating.layout.category(of: index)].id
                    return OrderSeat(index: seat, label: seating.layout.label(of: index), category: category,
                                     priceMinor: seating.showtime.prices[category] ?? 0)
                }
                saga.holdPlaced(
                    holdID: reply.hold, deadline: Date(millisecondsSince1970: Int64(reply.deadlineMilliseconds)), seats: held,
                    price: PriceBreakdown(seats: held, currency: seating.showtime.currency, rules: configuration.pricing))
            } catch let error as SeatClientError {
                guard case .refused(let reply) = error, !reply.code.isTransient else { return false }
                let seating = try await seating(order.showtimeID)
                let refusal = SeatLabels.refusal(reply, layout: seating.layout, seatsPerHoldMax: configuration.seatsPerOrderMax)
                outcome.holdRefusal = refusal
                saga.holdRefused(reason: "\(reply.code): \(reply.message)")
            }
        case .abandonHold:
            saga.holdAbandoned()
        case .expireHold:
            saga.holdExpired()
        case .createPayment:
            switch await createPayment(for: order) {
            case .success(let payment)?: saga.paymentCreated(reference: payment.reference, clientSecret: payment.clientSecret)
            case .failure(let error)?:
                outcome.paymentError = error
                return false
            case nil:
                return false
            }
        case .checkPayment:
            guard let reference = order.paymentReference else { return false }
            do {
                saga.paymentObserved(try await provider.fetchPayment(reference))
            } catch {
                outcome.paymentError = error
                return false
            }
        case .abandonPayment:
            if let reference = order.paymentReference {
                do {
                    // A payment that completed is not abandoned on our clock: the customer's own
                    // request may have sold the seats before a crash stored it (see `pay`), or the
                    // hold may still stand. The seat server decides, as for any authorized order.
                    let payment = try await provider.fetchPayment(reference)
                    if payment.status == .authorized || payment.status == .captured {
                        saga.paymentObserved(payment)
                        return true
                    }
                    _ = try await provider.cancelPayment(reference, idempotencyKey: order.paymentKey("cancel"))
                } catch {
                    outcome.paymentError = error
                    return false
                }
            }
            saga.paymentAbandoned()
        case .confirmSeats:
            guard let hold = order.holdID else { return false }
            do {
                let booking = try await seats.confirm(hold, idempotencyKey: SeatKeys.key(order.idempotencyKey("confirm")))
                saga.seatsConfirmed(seatBookingID: booking, bookingCode: BookingCode.make(orderID: order.id))
            } catch {
                guard case .refused(let reply) = error else { return false }
                if reply.code == .holdAlreadyConfirmed {
                    // Confirmed by an earlier attempt whose answer was lost (beyond the key's window).
                    saga.seatsConfirmed(seatBookingID: reply.secondDetail, bookingCode: BookingCode.make(orderID: order.id))
                } else if reply.code.meansSeatsLost {
                    saga.seatsLost(reason: "the seats could not be sold: \(reply.code)")
                } else {
                    return false
                }
            }
            // The capture follows at once and is stored with the seats' confirmation, in one write
            // (`confirmed`: seats sold and payment captured). A crash before that write leaves the
            // order `authorized` (or `paying`, when the payment's authorization was not stored
            // either), and both calls are made again with their keys: the seat server answers with
            // the same booking, the provider with the same capture. A capture that reaches no
            // decision leaves the order `seatsConfirmed`, for the next step to capture.
            if saga.order.state == .seatsConfirmed { _ = await capture(&saga) }
        case .capturePayment:
            if let error = await capture(&saga) {
                outcome.paymentError = error
                return false
            }
        case .cancelSeatBooking:
            guard let booking = order.seatBookingID else { return false }
            do {
                try await seats.cancelBooking(booking, idempotencyKey: SeatKeys.key(order.idempotencyKey("cancel-seats")))
            } catch {
                guard case .refused(let reply) = error, reply.code == .bookingCancelled || reply.code == .showCancelled else {
                    return false
                }
            }
            saga.seatBookingCancelled()
        case .voidPayment:
            if let reference = order.paymentReference {
                do {
                    try await voidPayment(reference, of: order)
                } catch let error as PaymentError {
                    outcome.paymentError = error
                    return false
                }
            }
            saga.paymentVoided()
        case .refundCancellation:
            if let refund = order.refundMinor, refund > 0, let reference = order.paymentReference, let currency = order.price?.currency {
                do {
                    try await self.refund(Money(refund, currency), of: reference, order: order, reason: "cancellation")
                } catch let error as PaymentError {
                    outcome.paymentError = error
                    return false
                }
            }
            saga.cancellationRefunded()
        case .awaitCustomer, .none:
            return false
        }
        return true
    }

    /// Stores what `saga` changed of the order as read (nothing when it changed nothing).
    func record(_ saga: OrderSaga, into outcome: StepOutcome) async throws -> StepOutcome {
        var outcome = outcome
        guard saga.order != saga.original || !saga.events.isEmpty else { return outcome }
        outcome.order = try await store(saga)
        outcome.progressed = outcome.order.version == saga.original.version + 1 && outcome.order.state == saga.order.state
        return outcome
    }

    /// Captures the order's payment with the attempt's key and records the outcome in `saga`;
    /// returns the provider's error when that reached no decision (the capture is asked for again).
    private func capture(_ saga: inout OrderSaga) async -> PaymentError? {
        guard let reference = saga.order.paymentReference else { return nil }
        do {
            saga.captured(try await provider.capturePayment(reference, idempotencyKey: saga.order.paymentKey("capture")).amount)
        } catch {
            guard case .refused(let reason) = error else { return error }
            saga.captureFailed(reason: reason)
        }
        return nil
    }

    /// Creates the current attempt's payment at the provider, with the attempt's key (asking again
    /// gives the same payment). Nil when the order has no price to charge.
    func createPayment(for order: Order) async -> Result<ProviderPayment, PaymentError>? {
        guard let total = order.price?.total else { return nil }
        do throws(PaymentError) {
            return .success(try await provider.createPayment(amount: total, orderID: order.id, idempotencyKey: order.paymentKey("create")))
        } catch {
            return .failure(error)
        }
    }

    private func placeHold(_ order: Order, seats: any SeatRequesting) async throws(SeatClientError) -> HoldReply {
        let key = SeatKeys.key(order.idempotencyKey("hold"))
        let milliseconds = UInt32(clamping: Int64(configuration.holdDuration.seconds * 1000))
        switch order.selection {
        case .seats(let indices):
            return try await seats.hold(indices, show: order.seatShowID, for: configuration.holdDuration, idempotencyKey: key)
        case .bestAvailable(let count, let category, let accessible):
            return try await seats.holdBestAvailable(BestAvailableHoldRequest(
                show: order.seatShowID, holdMilliseconds: milliseconds, idempotencyKey: key, count: UInt16(clamping: count),
                accessible: accessible, category: category))
        }
    }

    /// Takes back whatever the payment holds: voids an authorization, refunds a capture in full.
    private func voidPayment(_ reference: String, of order: Order) async throws {
        let payment = try await provider.fetchPayment(reference)
        switch payment.status {
        case .captured:
            try await refund(payment.amount, of: reference, order: order, reason: "void")
        case .canceled, .failed:
            break
        case .authorized, .awaitingMethod, .requiresAction, .processing:
            _ = try await provider.cancelPayment(reference, idempotencyKey: order.paymentKey("void"))
        }
    }

    /// Writes the refund to the ledger (refused there if it would exceed the capture), then asks
    /// the provider for it with the ledger entry's key.
    func refund(_ amount: Money, of reference: String, order: Order, reason: String, key: String? = nil) async throws {
        let nowMs = now().millisecondsSince1970
        let entry = OrderRecords.RefundRow(
            idempotencyKey: key ?? order.idempotencyKey("refund-\(reason)"), orderId: order.id, amountMinor: amount.amountMinor,
            currency: amount.currency, reason: reason, providerReference: nil, status: OrderRecords.RefundRow.requested,
            createdAtMs: nowMs, updatedAtMs: nowMs)
        // A void refunds what the provider captured, even if the order never recorded a capture.
        let captured = reason == "void" ? amount.amountMinor : order.capturedMinor
        let recorded = try await database.transaction { session in
            try await OrderRecords.recordRefund(entry, capturedMinor: captured, on: session)
        }
        let refund = try await provider.refund(reference, amount: Money(recorded.amountMinor, recorded.currency),
                                               idempotencyKey: recorded.idempotencyKey)
        try await settle(recorded, as: refund, of: order)
    }

    /// Records what the provider says of a refund; when it is final, tells its customer
    /// (`refund.completed`) or staff (`refund.failed`) through the outbox, in the same transaction.
    func settle(_ entry: OrderRecords.RefundRow, as refund: ProviderRefund, of order: Order) async throws {
        let status = refund.status.ledgerStatus
        guard status != entry.status || entry.providerReference == nil else { return }
        let nowDate = now()
        try await database.transaction { session in
            try await OrderRecords.updateRefund(key: entry.idempotencyKey, providerReference: refund.reference,
                                                status: status, now: nowDate.millisecondsSince1970, on: session)
            let topic: String? = switch refund.status {
            case .succeeded: "refund.completed"
            case .failed: "refund.failed"
            case .pending: nil
            }
            guard let topic else { return }
            var event = OrderEvent(order, topic: topic)
            event.refundMinor = entry.amountMinor
            if case .failed(let reason) = refund.status { event.reason = reason }
            // A failed refund is for staff to follow up, not a message to the customer.
            let recipient = topic == "refund.completed" && !order.ownerID.hasPrefix("partner:") ? order.ownerID : nil
            try await Outbox.enqueue(topic: topic, recipientUserID: recipient, payload: event, at: nowDate, on: session)
        }
        changes.changed(order.id)
    }

    /// Asks the provider about refunds it has not settled (or that a crash left unasked), oldest
    /// first; returns how many it looked at.
    func settleRefunds(untouchedSince: Int64) async throws -> Int {
        let entries = try await database.withSession { session in
            try await OrderRecords.unsettledRefunds(untouchedSince: untouchedSince, limit: self.configuration.reconcileBatchMax, on: session)
        }
        for entry in entries {
            do {
                let order = try await load(entry.orderId)
                if let providerReference = entry.providerReference {
                    try await settle(entry, as: try await provider.fetchRefund(providerReference), of: order)
                } else if let payment = order.paymentReference {
                    // Asked for, but the provider's answer never arrived: ask again with the same key.
                    let refund = try await provider.refund(payment, amount: Money(entry.amountMinor, entry.currency),
                                                           idempotencyKey: entry.idempotencyKey)
                    try await settle(entry, as: refund, of: order)
                }
            } catch {
                logger.warning("could not settle refund", metadata: ["refund": "\(entry.idempotencyKey)", "error": "\(error)"])
            }
        }
        return entries.count
    }
}

extension ProviderRefund.Status {
    var ledgerStatus: String {
        switch self {
        case .pending: "pending"
        case .succeeded: "succeeded"
        case .failed: "failed"
        }
    }
}

extension ErrorCode {
    /// Refusals that say nothing about the request itself: ask again later.
    var isTransient: Bool {
        [.idempotentRequestInProgress, .shuttingDown, .tooManyInFlight, .storageUnavailable, .internalError].contains(self)
    }

    /// Refusals of a confirmation that mean the hold is gone for good.
    var meansSeatsLost: Bool {
        [.holdExpired, .holdReleased, .unknownHold, .holdSuperseded, .holdBookingCancelled, .showCancelled, .unknownShow]
            .contains(self)
    }
}

/// The code on a booking's ticket: twelve characters of Crockford's base-32 (no I, L, O or U,
/// so it reads aloud without confusion), derived from the order so every step that assigns it
/// assigns the same one. 60 bits: a collision among a million bookings has odds below one in a
/// million (the column is unique, so one would stop that order for staff rather than mix tickets).
public enum BookingCode {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    public static func make(orderID: String) -> String {
        let digest = Array(SHA256.hash(data: Array(orderID.utf8)))
        var value = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var characters: [UInt8] = []
        for _ in 0..<12 {
            characters.append(alphabet[Int(value & 31)])
            value >>= 5
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
