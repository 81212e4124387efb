import BoxOfficeStorage
import Foundation
import Payments

extension BookingService {
    /// Refunds the bookings of showtimes staff cancelled, in full: each such booking moves to
    /// `cancelling` (seats given back, refund sent) like a customer's cancellation.
    ///
    /// Derived from stored state alone, so it resumes after any crash: it runs whenever the
    /// catalog's version moved since the last complete pass (a cancellation bumps it), takes at
    /// most `refundBatchMax` bookings per pass (the provider is not flooded; the rest follow on
    /// later passes), and remembers the version only once nothing is left to refund.
    /// Returns how many bookings it started refunding.
    @discardableResult
    public func refundCancelledShowtimes() async throws -> Int {
        let version = catalog.version
        guard refundScan.withLock({ $0 != version }) else { return 0 }
        let showtimes = try await database.withSession { session in try await OrderRecords.showtimesWithConfirmedOrders(on: session) }
        let cancelled = try await catalog.cancelledShowtimes(among: showtimes)
        var started = 0
        for showtimeID in cancelled.sorted() where started < configuration.refundBatchMax {
            let room = configuration.refundBatchMax - started
            let orders = try await database.withSession { session in
                try await OrderRecords.orders(showtimeID: showtimeID, state: .confirmed, limit: room, on: session)
            }
            for order in orders {
                try await locks.withLock(order.id) {
                    var saga = OrderSaga(try await self.load(order.id))
                    saga.showtimeCancelled()
                    if saga.order.state == .cancelling { try await self.store(saga) }
                }
                started += 1
                do {
                    try await drive(order.id)
                } catch {
                    // The reconciler finishes it.
                    logger.warning("refund of a cancelled showtime's booking failed for now",
                                   metadata: ["order": "\(order.id)", "error": "\(error)"])
                }
            }
        }
        if started < configuration.refundBatchMax { refundScan.withLock { $0 = version } }
        return started
    }

    /// Confirmed bookings listed for a showtime's sales chart at most (a showtime sells at most
    /// one per seat; an arena's are grouped by the chart anyway).
    public static let salesListedMax = 100_000

    /// A showtime's bookings that are sold now: when each was confirmed (a confirmed order
    /// changes no more until it is cancelled, when it leaves this list) and how many seats.
    public func sales(showtimeID: String) async throws -> [(at: Date, seats: Int)] {
        try await database.withReadSession { session in
            try await OrderRecords.orders(showtimeID: showtimeID, state: .confirmed, limit: Self.salesListedMax, on: session)
                .map { ($0.updatedAt, $0.seats.count) }
        }
    }

    /// Where a showtime's sales and refunds stand, for its theatre's staff: orders by state, the
    /// amounts refunded, and every refund that failed (to be followed up).
    public func showtimeReport(showtimeID: String) async throws -> ShowtimeSalesReport {
        try await database.withReadSession { session in
            let counts = try await OrderRecords.stateCounts(showtimeID: showtimeID, on: session)
            let refunds = try await OrderRecords.refunds(showtimeID: showtimeID, on: session)
            return ShowtimeSalesReport(
                showtimeId: showtimeID, orders: counts,
                refundedMinor: refunds.filter { $0.status == OrderRecords.RefundRow.succeeded }.reduce(0) { $0 + $1.amountMinor },
                pendingRefunds: refunds.filter { [OrderRecords.RefundRow.requested, OrderRecords.RefundRow.pending].contains($0.status) }.count,
                failedRefunds: refunds.filter { $0.status == OrderRecords.RefundRow.failed }.map {
                    ShowtimeSalesReport.FailedRefund(orderId: $0.orderId, amountMinor: $0.amountMinor, currency: $0.currency)
                })
        }
    }
}

/// A showtime's orders and refunds at a glance.
public struct ShowtimeSalesReport: Codable, Sendable, Equatable {
    public struct FailedRefund: Sendable, Codable, Equatable {
        public var orderId: String
        public var amountMinor: Int64
        public var currency: String
    }

    public var showtimeId: String
    /// Orders by state (`confirmed`, `cancelling`, `cancelled`, …).
    public var orders: [String: Int]
    public var refundedMinor: Int64
    /// Refunds asked for and not yet settled by the provider.
    public var pendingRefunds: Int
    public var failedRefunds: [FailedRefund]
}
