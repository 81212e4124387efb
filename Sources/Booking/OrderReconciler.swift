import BoxOfficeStorage
import Foundation
import Logging
import ServiceLifecycle

/// Drives forward every order a crash, a timeout or a lost webhook left in an intermediate
/// state (and expires held orders whose hold ran out), by running the saga's next steps: the
/// same idempotent calls a request would have made; and refunds the bookings of cancelled
/// showtimes. Several instances may run it at once;
/// conditional updates keep them from applying a step twice.
public struct OrderReconciler: Service {
    let booking: BookingService

    public init(booking: BookingService) {
        self.booking = booking
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: booking.configuration.reconcileInterval)) != nil {
                do {
                    try await booking.reconcile()
                    try await booking.refundCancelledShowtimes()
                } catch {
                    booking.logger.warning("reconciliation pass failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

extension BookingService {
    /// One reconciliation pass: drives each order untouched for `reconcileAfter` in an
    /// intermediate state, or held past its deadline, oldest first, at most
    /// `reconcileBatchMax`; then asks the provider about refunds not yet settled. Returns how
    /// many orders and refunds it looked at.
    @discardableResult
    public func reconcile() async throws -> Int {
        let nowDate = now()
        let untouchedSince = nowDate.addingTimeInterval(-configuration.reconcileAfter.seconds).millisecondsSince1970
        let orders = try await database.withSession { session in
            try await OrderRecords.unsettled(untouchedSince: untouchedSince, now: nowDate.millisecondsSince1970,
                                             limit: self.configuration.reconcileBatchMax, on: session)
        }
        for order in orders {
            do {
                try await drive(order.id)
            } catch {
                // One order's trouble must not hold up the others; it is tried again next pass.
                logger.warning("could not reconcile order", metadata: ["order": "\(order.id)", "error": "\(error)"])
            }
        }
        return orders.count + (try await settleRefunds(untouchedSince: untouchedSince))
    }
}
