import Foundation
import Payments

extension BookingService {
    /// What cancelling a confirmed booking now would cost and refund, under its theatre's policy
    /// as it stood when the seats were sold; nil when the cut-off has passed.
    public func cancellationTerms(orderID: String, owner: Owner) async throws -> (feeMinor: Int64, refundMinor: Int64)? {
        let order = try await order(id: orderID, owner: owner)
        guard order.state == .confirmed else { throw BookingError.orderNotCancellable(order.state) }
        return order.cancellationPolicy.terms(
            captured: order.capturedMinor, startsAtMs: order.showtimeStartsAt.millisecondsSince1970,
            nowMs: now().millisecondsSince1970)
    }

    /// Cancels a confirmed booking before its theatre's cut-off: its seats go back on sale and
    /// the refund the policy allows goes out. Returns the order as it then stands (`cancelled`,
    /// or `cancelling` while the seat server or provider cannot be reached: the reconciler
    /// finishes it).
    public func cancel(orderID: String, owner: Owner) async throws -> Order {
        _ = try await order(id: orderID, owner: owner)
        try await locks.withLock(orderID) {
            var saga = OrderSaga(try await self.load(orderID))
            guard saga.order.state == .confirmed else {
                // A repeated cancellation answers with where the first one got to.
                if saga.order.state == .cancelling || saga.order.state == .cancelled { return }
                throw BookingError.orderNotCancellable(saga.order.state)
            }
            let policy = saga.order.cancellationPolicy
            guard let terms = policy.terms(
                captured: saga.order.capturedMinor, startsAtMs: saga.order.showtimeStartsAt.millisecondsSince1970,
                nowMs: self.now().millisecondsSince1970)
            else { throw BookingError.cancellationClosed(cutoffMinutes: policy.cutoffMinutes) }
            try saga.cancellationRequested(feeMinor: terms.feeMinor, refundMinor: terms.refundMinor)
            let stored = try await self.store(saga)
            guard stored.state == .cancelling else { throw BookingError.orderNotCancellable(stored.state) }
        }
        return try await drive(orderID)
    }
}
