import BoxOfficeStorage
import Foundation
import Payments

extension BookingService {
    /// How many times staff may ask again for one refund the provider failed.
    public static let refundRetriesMax = 3

    /// Asks the provider again for each of the order's refunds that failed, for its theatre's
    /// staff once they have dealt with the cause (a closed card, a provider's outage). Each failed
    /// refund is retried once, under a key derived from its own: two staff asking at once make
    /// one refund, and the ledger still refuses to give back more than was captured. A retry
    /// that fails too is reported as the first was (`refund.failed`), and may itself be retried,
    /// up to ``refundRetriesMax`` times.
    ///
    /// - Throws: `orderNotFound` (also when the order is not of `showtimeID`), `noFailedRefund`,
    ///   `refundRetriesExhausted`, and the provider's errors (the retry stays recorded and the
    ///   reconciler asks again).
    public func retryFailedRefunds(orderID: String, showtimeID: String) async throws -> [(amount: Money, status: String)] {
        try await locks.withLock(orderID) {
            let order = try await self.load(orderID)
            guard order.showtimeID == showtimeID else { throw BookingError.orderNotFound }
            let entries = try await database.withReadSession { session in try await OrderRecords.refunds(orderID: orderID, on: session) }
            let keys = Set(entries.map(\.idempotencyKey))
            let failed = entries.filter {
                $0.status == OrderRecords.RefundRow.failed && !keys.contains(RefundRetry.key(after: $0.idempotencyKey))
            }
            guard let reference = order.paymentReference, !failed.isEmpty else { throw BookingError.noFailedRefund }
            guard failed.allSatisfy({ RefundRetry.count(in: $0.idempotencyKey) < Self.refundRetriesMax }) else {
                throw BookingError.refundRetriesExhausted(Self.refundRetriesMax)
            }
            for entry in failed {
                try await self.refund(Money(entry.amountMinor, entry.currency), of: reference, order: order, reason: entry.reason,
                                      key: RefundRetry.key(after: entry.idempotencyKey))
            }
        }
        return try await refunds(orderID: orderID)
    }
}

/// The keys of refunds asked for again: each derived from the failed one's, so a retry is made
/// once however many ask for it, and its depth is readable from the key.
enum RefundRetry {
    static let suffix = ":retry"

    static func key(after failedKey: String) -> String { failedKey + suffix }

    static func count(in key: String) -> Int { key.components(separatedBy: suffix).count - 1 }
}
