import Booking
import BoxOfficeApp
import BoxOfficeStorage
import Catalog
import Foundation
import HummingbirdTesting
import Payments
import SeatTestSupport
import Testing

@Suite("A showtime cancelled by staff: every booking refunded in resumable batches", .timeLimit(.minutes(3)))
struct ShowtimeCancellationTests {
    @Test func bookingsAreRefundedABatchAtATimeAndFailedRefundsReported() async throws {
        try await Harness.withAppAndSeatd(.sqlite, configure: { configuration in
            BookingRecoveryTests.promptly(&configuration)
            configuration.booking.refundBatchMax = 2
            guard case .sandbox(var sandbox) = configuration.payments else { return }
            sandbox.processingDelay = .milliseconds(200)
            configuration.payments = .sandbox(sandbox)
        }) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            var paid: [(order: BookingSteps.Order, userID: String)] = []
            for (index, card) in [SandboxCard.success, .refundsFail, .success].enumerated() {
                let (token, userID) = try await steps.customer("c\(index)@example.com")
                let order = try await steps.held(showtime, seats: ["\(["B", "D", "G"][index])1"], token: token)
                #expect(try await steps.pay(order, card: card.rawValue, token: token).status == .ok)
                paid.append((order, userID))
            }
            let (lateToken, _) = try await steps.customer("late@example.com")
            let unpaid = try await steps.held(showtime, seats: ["K1"], token: lateToken)

            let cancel = try await client.request(.post, "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/cancel", token: adminToken)
            #expect(cancel.status == .ok, "\(cancel.text)")
            #expect(try await components.booking.refundCancelledShowtimes() == 2)
            #expect(try await components.booking.refundCancelledShowtimes() == 1)
            #expect(try await components.booking.refundCancelledShowtimes() == 0)

            let report = try await client.request(.get, "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/sales", token: adminToken)
            #expect(report.status == .ok, "\(report.text)")
            let sales: ShowtimeSalesReport = try report.json()
            #expect(sales.orders == ["cancelled": 3, "held": 1])
            #expect(sales.refundedMinor == 50_000 && sales.pendingRefunds == 1 && sales.failedRefunds.isEmpty)
            for (order, _) in paid {
                let cancelled = try await components.booking.order(id: order.id, owner: nil)
                #expect(cancelled.state == .cancelled && cancelled.refundMinor == 25_000 && cancelled.cancellationFeeMinor == 0)
                #expect(cancelled.failureReason == "the showtime was cancelled")
            }

            // The provider fails the one refund a moment later: staff see it, and its customer is not told it completed.
            try await Task.sleep(for: .milliseconds(250))
            try await components.booking.reconcile()
            let afterSettling: ShowtimeSalesReport = try await client.request(
                .get, "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/sales", token: adminToken).json()
            #expect(afterSettling.pendingRefunds == 0)
            #expect(afterSettling.failedRefunds.map(\.orderId) == [paid[1].order.id])
            #expect(try await steps.events(for: paid[0].userID).contains("refund.completed"))
            #expect(try await !steps.events(for: paid[1].userID).contains("refund.completed"))

            // Staff may ask again for the failed refund a few times; this card's refunds always fail.
            let retryPath = "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/orders/\(paid[1].order.id)/refunds/retry"
            for attempt in 1...BookingService.refundRetriesMax {
                let retried = try await client.request(.post, retryPath, token: adminToken)
                #expect(retried.status == .ok, "\(retried.text)")
                try await Task.sleep(for: .milliseconds(250))
                try await components.booking.reconcile()
                #expect(try await components.booking.refunds(orderID: paid[1].order.id).map(\.status)
                    == Array(repeating: "failed", count: attempt + 1))
            }
            let exhausted = try await client.request(.post, retryPath, token: adminToken)
            #expect(try exhausted.status == .conflict && exhausted.problem().code == "refund_retries_exhausted")
            let elsewhere = "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/orders/\(paid[0].order.id)/refunds/retry"
            let nothingFailed = try await client.request(.post, elsewhere, token: adminToken)
            #expect(try nothingFailed.status == .conflict && nothingFailed.problem().code == "no_failed_refund")

            // The unpaid order's seats are gone with the show: paying it takes nothing.
            let late = try await steps.pay(unpaid, card: SandboxCard.success.rawValue, token: lateToken)
            #expect(late.status == .conflict, "\(late.text)")
            #expect(try late.problem().code == "seats_lost")

            // Customers do not see a theatre's sales.
            let (customer, _) = try await steps.customer("curious@example.com")
            #expect(try await client.request(.get, "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/sales", token: customer)
                .status == .forbidden)
        }
    }
}
