import BoxOfficeStorage
import Catalog
import Crypto
import Foundation
import Logging
import Payments
import SQLKit
import SeatClient
import SeatProtocol
import Synchronization

/// Orders from hold to paid booking and back, as a saga with durable states (``OrderSaga``).
///
/// Each step's outcome is stored (with its outbox events, in one transaction, conditional on
/// the order's version) before anything relies on it, and every call to the seat server or the
/// provider carries a key derived from the order and step, so any step may be repeated after a
/// crash: ``drive(_:)`` picks up wherever an order stands, and the reconciler calls it for
/// orders nobody is driving.
public final class BookingService: Sendable {
    let database: Database
    let catalog: CatalogService
    /// The seat server, when one is configured.
    let seats: (any SeatRequesting)?
    let provider: any PaymentProvider
    public let configuration: BookingConfiguration
    let now: @Sendable () -> Date
    let logger: Logger
    let locks = OrderLocks()
    /// Open order pages waiting to hear of their order's next step.
    public let changes = OrderChanges()
    /// The catalog version up to which cancelled showtimes' bookings were all refunded.
    let refundScan = Mutex<Int64>(-1)
    /// Where people's holds and bookings are noted (for recommendations).
    let activity: (any ActivityLog)?
    /// The active offers every new order weighs.
    let offerCache: OfferCache

    public init(
        database: Database, catalog: CatalogService, seats: (any SeatRequesting)?, provider: any PaymentProvider,
        configuration: BookingConfiguration, activity: (any ActivityLog)? = nil, now: @escaping @Sendable () -> Date = Date.init,
        logger: Logger
    ) {
        self.activity = activity
        self.database = database
        self.catalog = catalog
        self.seats = seats
        self.provider = provider
        self.configuration = configuration
        self.now = now
        offerCache = OfferCache(lifetime: configuration.offerCacheLifetime)
        self.logger = logger
    }

    /// Who an order belongs to: a signed-in person, or a partner acting for one of its customers.
    public struct Owner: Sendable, Equatable {
        public var id: String
        public var customerReference: String?
        /// The user to notify (none for a partner's customers: the partner tells them).
        public var userID: String?
        /// The theatres a partner's key books at (empty: every theatre).
        public var theatreIDs: Set<String> = []

        public static func user(_ id: String) -> Owner { Owner(id: id, customerReference: nil, userID: id) }
        public static func partner(keyID: String, customerReference: String?, theatreIDs: Set<String>) -> Owner {
            Owner(id: "partner:\(keyID)", customerReference: customerReference, userID: nil, theatreIDs: theatreIDs)
        }

        func mayBook(at theatreID: String) -> Bool { theatreIDs.isEmpty || theatreIDs.contains(theatreID) }
    }

    // MARK: placing and reading orders

    /// Holds seats of a showtime for `owner` and returns the held order (with its price).
    ///
    /// - Throws: ``BookingError`` naming the seats the seat server refused, unknown labels, a
    ///   cancelled or started showtime; `seatServerUnavailable` when the hold's answer did not
    ///   come (the order then waits for the reconciler, which asks again with the same key).
    public func placeOrder(owner: Owner, showtimeID: String, selection: SeatSelection) async throws -> Order {
        guard let seats else { throw BookingError.seatServerUnavailable }
        let seating = try await seating(showtimeID)
        let showtime = seating.showtime
        guard owner.mayBook(at: showtime.theatreId) else { throw BookingError.theatreNotAllowed(showtime.theatreId) }
        guard showtime.status == .scheduled else { throw BookingError.showtimeCancelled }
        let nowDate = now()
        guard nowDate < showtime.startsAt else { throw BookingError.showtimeStarted }
        switch selection {
        case .seats(let indices):
            guard (1...configuration.seatsPerOrderMax).contains(indices.count) else {
                throw BookingError.invalidField("/seats", "choose 1 to \(configuration.seatsPerOrderMax) seats")
            }
        case .bestAvailable(let count, let category, _):
            guard (1...configuration.seatsPerOrderMax).contains(count) else {
                throw BookingError.invalidField("/bestAvailable/count", "choose 1 to \(configuration.seatsPerOrderMax) seats")
            }
            if let category, showtime.prices[category] == nil {
                throw BookingError.invalidField("/bestAvailable/category",
                                                "this showtime sells \(showtime.prices.keys.sorted().joined(separator: ", "))")
            }
        }
        let order = Order(
            id: UUID.timeOrderedID(), ownerID: owner.id, customerReference: owner.customerReference,
            showtimeID: showtime.id, movieID: showtime.movieId, theatreID: showtime.theatreId, seatShowID: seating.seatShowID,
            showtimeStartsAt: showtime.startsAt, selection: selection, state: .holding, version: 0, seats: [], price: nil,
            cancellationPolicy: seating.cancellationPolicy, promotionID: nil,
            holdID: nil, holdDeadline: nil, isHoldExtended: false, paymentProvider: provider.name, paymentAttempt: 0,
            paymentReference: nil, paymentClientSecret: nil, paymentNextActionURL: nil, paymentFailure: nil, seatBookingID: nil,
            isSeatBookingCancelled: false, bookingCode: nil, capturedMinor: 0, refundMinor: nil, cancellationFeeMinor: nil,
            failureReason: nil, createdAt: nowDate, updatedAt: nowDate)
        // Stored before the seat server is asked: a hold placed for an order nobody recorded could
        // not be found again.
        let insert = OrderWrite.insert(order)
        try await database.write { session in _ = try await insert.run(on: session) }
        let held = try await locks.withLock(order.id) {
            let current = try await self.runStep(.placeHold, of: OrderSaga(order), seats: seats)
            if current.order.state == .rejected, let refusal = current.holdRefusal { throw refusal }
            if current.order.state == .holding { throw BookingError.seatServerUnavailable }
            do {
                return try await self.applyBestOffer(to: current.order)
            } catch {
                // The seats are held: the order stands at its full price rather than failing.
                self.logger.warning("no offer applied", metadata: ["order": "\(order.id)", "error": "\(error)"])
                return current.order
            }
        }
        return held
    }

    /// The order, if `owner` may see it.
    public func order(id: String, owner: Owner?) async throws -> Order {
        let order = try await database.withReadSession { session in try await OrderRecords.find(id: id, on: session) }
        guard let order, owner == nil || order.ownerID == owner?.id else { throw BookingError.orderNotFound }
        return order
    }

    /// `owner`'s orders, newest first.
    public func orders(owner: Owner, limit: Int, createdBefore: Date?) async throws -> [Order] {
        try await database.withReadSession { session in
            try await OrderRecords.orders(owner: owner.id, limit: limit, createdBefore: createdBefore?.millisecondsSince1970, on: session)
        }
    }

    /// The order's refunds (for its owner's view and for tests of the ledger).
    public func refunds(orderID: String) async throws -> [(amount: Money, status: String)] {
        try await database.withReadSession { session in
            try await OrderRecords.refunds(orderID: orderID, on: session).map { (Money($0.amountMinor, $0.currency), $0.status) }
        }
    }

    /// Whether the person `userID` saw `movieID` here: a confirmed booking whose showtime has
    /// started (the condition for reviewing it).
    public func hasSeen(userID: String, movieID: String) async throws -> Bool {
        let nowMs = now().millisecondsSince1970
        return try await database.withReadSession { session in
            try await OrderRecords.hasSeen(ownerID: userID, movieID: movieID, nowMs: nowMs, on: session)
        }
    }

    /// Forgets the webhooks received longer ago than ``BookingConfiguration/webhookInboxRetention``
    /// (at most `batchesMax` batches of `batchMax`: the rest on the next call); returns how many.
    public func forgetOldWebhooks(batchMax: Int = Database.deletionBatchMax, batchesMax: Int = Database.deletionBatchesMax) async throws -> Int {
        let beforeMs = now().millisecondsSince1970 - configuration.webhookInboxRetention.milliseconds
        return try await database.deleteInBatches(batchMax: batchMax, batchesMax: batchesMax) { session, limit in
            try await OrderRecords.forgetWebhooks(receivedBefore: beforeMs, limit: limit, on: session)
        }
    }

    /// Gives up a held order's seats before paying.
    public func release(orderID: String, owner: Owner) async throws -> Order {
        _ = try await order(id: orderID, owner: owner)
        return try await locks.withLock(orderID) {
            var saga = OrderSaga(try await self.load(orderID))
            guard saga.order.state == .held else { throw BookingError.orderNotPayable(saga.order.state) }
            saga.released()
            let stored = try await self.store(saga)
            // The seat server lets the hold go; if this call fails, the hold runs out by itself.
            if let seats = self.seats, let hold = stored.holdID {
                try? await seats.release(hold, idempotencyKey: SeatKeys.key(stored.idempotencyKey("release")))
            }
            return stored
        }
    }

    func seating(_ showtimeID: String) async throws -> ShowtimeSeating {
        do {
            return try await catalog.seating(showtimeID: showtimeID)
        } catch CatalogError.showtimeNotFound {
            throw BookingError.showtimeNotFound
        } catch CatalogError.notInSeatServer {
            throw BookingError.notOnSale
        }
    }

    // MARK: storing

    /// The order as last committed (from a reader on SQLite: the single writer is for writing;
    /// an order changed meanwhile is caught by ``store(_:)``'s version check).
    func load(_ orderID: String) async throws -> Order {
        guard let order = try await database.withReadSession({ session in try await OrderRecords.find(id: orderID, on: session) })
        else { throw BookingError.orderNotFound }
        return order
    }

    /// Stores the saga's order and its events in one transaction, if nobody changed the order
    /// meanwhile; returns it as stored. When someone did, returns theirs (the caller's outcome
    /// was for a state that is gone, and its step will be decided again).
    @discardableResult
    func store(_ saga: OrderSaga) async throws -> Order {
        var order = saga.order
        order.updatedAt = now()
        let stored = order
        let owner = order.ownerID
        let events = saga.events
        let update = OrderWrite.update(stored, from: saga.original)
        let activityKind: PersonActivity.Kind? =
            if events.contains("booking.confirmed") { .booking }
            else if saga.original.state == .holding, stored.state == .held { .hold }
            else { nil }
        let recipient = owner.hasPrefix("partner:") ? nil : owner
        // The outbox's messages are encoded before the transaction, off the writer's turn.
        var messages = try events.map { topic in
            try Outbox.Entry(topic: topic, recipientUserID: recipient, payload: OrderEvent(stored, topic: topic), at: stored.updatedAt)
        }
        if events.contains("booking.confirmed"), let recipient, let lead = configuration.reminderLead {
            let remindAt = stored.showtimeStartsAt.addingTimeInterval(-TimeInterval(lead.milliseconds) / 1000)
            if remindAt > stored.updatedAt {
                messages.append(try Outbox.Entry(topic: "booking.reminder", recipientUserID: recipient,
                                                 payload: OrderEvent(stored, topic: "booking.reminder"), at: stored.updatedAt,
                                                 deliverAt: remindAt))
            }
        }
        let promotionUse = stored.promotionID == nil ? nil : PromotionUse(orderNow: stored.state)
        // Holds and bookings are what recommendations learn from.
        let note: RowInsert? =
            if let recipient, let activity, let activityKind {
                activity.rows(noting: PersonActivity(userID: recipient, kind: activityKind, movieID: stored.movieID,
                                                     theatreID: stored.theatreID, at: stored.updatedAt))
            } else { nil }
        let inserts = ([Outbox.rows(messages)] + [note].compactMap { $0 }).filter { !$0.rows.isEmpty }
        // Most steps write the order's row alone: one statement, with no transaction around it.
        // On PostgreSQL the rows a step brings (its messages, its note) go in that statement too,
        // saving a round trip for each and for `BEGIN` and `COMMIT`; SQLite has no writes inside
        // `WITH`, and its statements cost no round trip, so there they share a transaction.
        let isOneStatement = promotionUse == nil && (inserts.isEmpty || database.engine == .postgres)
        let written = if isOneStatement {
            try await database.write { session in try await update.run(thenInserting: inserts, on: session) }
        } else {
            try await database.transaction { session in
                guard try await update.run(on: session) else { return false }
                switch promotionUse {
                case .markUsed: try await PromotionRecords.markUsed(orderID: stored.id, on: session)
                case .release: try await PromotionRecords.release(orderID: stored.id, on: session)
                case nil: break
                }
                for insert in inserts { try await insert.run(on: session) }
                return true
            }
        }
        guard written else { return try await load(order.id) }
        order.version += 1
        changes.changed(order.id)
        return order
    }
}

/// What becomes of an order's promotion when the order is stored: its use follows the order,
/// final with the sale, given back without one.
enum PromotionUse {
    case markUsed
    case release

    /// What an order now in `state` does to its promotion; nil while the order is under way.
    init?(orderNow state: OrderState) {
        switch state {
        case .confirmed: self = .markUsed
        case .expired, .released, .rejected, .failed: self = .release
        default: return nil
        }
    }
}

/// What an outbox message about an order carries (the notifier renders it).
struct OrderEvent: Encodable {
    var topic: String
    var orderId: String
    var state: String
    var showtimeId: String
    var bookingCode: String?
    var seats: [String]
    var totalMinor: Int64?
    var currency: String?
    var refundMinor: Int64?
    var reason: String?

    init(_ order: Order, topic: String) {
        self.topic = topic
        orderId = order.id
        state = order.state.rawValue
        showtimeId = order.showtimeID
        bookingCode = order.bookingCode
        seats = order.seats.map(\.label)
        totalMinor = order.price?.totalMinor
        currency = order.price?.currency
        refundMinor = order.refundMinor
        reason = order.failureReason ?? order.paymentFailure
    }
}

/// The seat server's 16-byte idempotency keys, derived from the box office's textual ones.
enum SeatKeys {
    static func key(_ text: String) -> WireIdempotencyKey {
        let digest = Array(SHA256.hash(data: Array(text.utf8)))
        let high = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = digest[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        // All zeros means "no key" on the wire; a digest that begins so is not worth a branch
        // elsewhere, so it is nudged.
        return high == 0 && low == 0 ? WireIdempotencyKey(high: 0, low: 1) : WireIdempotencyKey(high: high, low: low)
    }
}
