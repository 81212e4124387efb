@testable import Booking
import Catalog
import Foundation
import Payments
import Testing

@Suite("The booking saga's rules, without I/O", .timeLimit(.minutes(1)))
struct OrderSagaTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let seats = [OrderSeat(index: 4, label: "A5", category: "standard", priceMinor: 25_000),
                        OrderSeat(index: 5, label: "A6", category: "standard", priceMinor: 25_000)]
    static let price = PriceBreakdown(seats: seats, currency: "INR", rules: PricingRules())

    static func newOrder() -> Order {
        Order(id: "o1", ownerID: "u1", customerReference: nil, showtimeID: "s1", movieID: "m1", theatreID: "t1", seatShowID: 1,
              showtimeStartsAt: start.addingTimeInterval(86_400), selection: .seats([4, 5]), state: .holding, version: 0,
              seats: [], price: nil, cancellationPolicy: CancellationPolicy(), promotionID: nil, holdID: nil, holdDeadline: nil, isHoldExtended: false, paymentProvider: "sandbox",
              paymentAttempt: 0, paymentReference: nil, paymentClientSecret: nil, paymentNextActionURL: nil, paymentFailure: nil, seatBookingID: nil,
              isSeatBookingCancelled: false, bookingCode: nil, capturedMinor: 0, refundMinor: nil, cancellationFeeMinor: nil,
              failureReason: nil, createdAt: start, updatedAt: start)
    }

    static func held() -> OrderSaga {
        var saga = OrderSaga(newOrder())
        saga.holdPlaced(holdID: 9, deadline: start.addingTimeInterval(420), seats: seats, price: price)
        return saga
    }

    static func payment(_ status: ProviderPayment.Status, amount: Money = price.total) -> ProviderPayment {
        ProviderPayment(reference: "pay_1", status: status, amount: amount, orderID: "o1")
    }

    @Test func aWebhookLeavesOrdersSettledWithTheirSaleChecksThoseEndedWithoutOneAndDrivesTheRest() {
        let expected: [OrderState: OrderState.WebhookAction] = [
            .confirmed: .leave, .cancelled: .leave, .failed: .leave,
            .expired: .checkLatePayment, .released: .checkLatePayment, .rejected: .checkLatePayment,
            .holding: .drive, .held: .drive, .paying: .drive, .authorized: .drive, .seatsConfirmed: .drive,
            .voiding: .drive, .cancelling: .drive,
        ]
        #expect(Set(expected.keys) == Set(OrderState.allCases))
        for state in OrderState.allCases {
            #expect(state.webhookAction == expected[state], "\(state)")
        }
    }

    @Test func theHappyPathRunsHoldPayConfirmCapture() throws {
        var saga = OrderSaga(Self.newOrder())
        #expect(saga.nextStep(now: Self.start) == .placeHold)
        saga.holdPlaced(holdID: 9, deadline: Self.start.addingTimeInterval(420), seats: Self.seats, price: Self.price)
        #expect(saga.order.state == .held && saga.order.price?.totalMinor == 50_000)
        #expect(saga.nextStep(now: Self.start) == .awaitCustomer)
        try saga.paymentStarted(now: Self.start)
        #expect(saga.nextStep(now: Self.start) == .createPayment)
        saga.paymentCreated(reference: "pay_1")
        #expect(saga.nextStep(now: Self.start) == .checkPayment)
        saga.paymentObserved(Self.payment(.processing))
        #expect(saga.order.state == .paying)
        saga.paymentObserved(Self.payment(.authorized))
        #expect(saga.nextStep(now: Self.start) == .confirmSeats)
        saga.seatsConfirmed(seatBookingID: 77, bookingCode: "CODE")
        #expect(saga.nextStep(now: Self.start) == .capturePayment)
        saga.captured(Self.price.total)
        #expect(saga.order.state == .confirmed && saga.order.capturedMinor == 50_000)
        #expect(saga.nextStep(now: Self.start) == .none)
        #expect(saga.events == ["booking.confirmed"])
    }

    @Test func aDeclineReturnsTheOrderToHeldForAnotherAttemptUpToTheLimit() throws {
        var saga = Self.held()
        for attempt in 1...OrderSaga.paymentAttemptsMax {
            try saga.paymentStarted(now: Self.start)
            #expect(saga.order.paymentAttempt == attempt)
            saga.paymentCreated(reference: "pay_1")
            saga.paymentObserved(Self.payment(.failed(reason: "card_declined")))
            #expect(saga.order.state == .held && saga.order.paymentFailure == "card_declined")
        }
        #expect(throws: BookingError.paymentAttemptsExhausted(OrderSaga.paymentAttemptsMax)) { try saga.paymentStarted(now: Self.start) }
        #expect(saga.events == Array(repeating: "payment.failed", count: OrderSaga.paymentAttemptsMax))
    }

    @Test func anExpiredHoldCannotBePaidAndExpiresTheOrder() {
        var saga = Self.held()
        let late = Self.start.addingTimeInterval(421)
        #expect(throws: BookingError.holdExpired) { try saga.paymentStarted(now: late) }
        #expect(saga.nextStep(now: late) == .expireHold)
        saga.holdExpired()
        #expect(saga.order.state == .expired && saga.events == ["booking.expired"])
    }

    @Test func aHoldWhoseAnswerIsLostIsAskedAgainThenGivenUpPastTheKeyWindow() {
        let saga = OrderSaga(Self.newOrder())
        #expect(saga.nextStep(now: Self.start.addingTimeInterval(60)) == .placeHold)
        #expect(saga.nextStep(now: Self.start.addingTimeInterval(TimeInterval(OrderSaga.holdAnswerWaitMax.components.seconds))) == .abandonHold)
    }

    @Test func aPaymentStillOpenWhenTheHoldRunsOutIsAbandoned() throws {
        var saga = Self.held()
        try saga.paymentStarted(now: Self.start)
        saga.paymentCreated(reference: "pay_1")
        saga.paymentObserved(Self.payment(.requiresAction))
        let late = Self.start.addingTimeInterval(421)
        #expect(saga.nextStep(now: late) == .abandonPayment)
        saga.paymentAbandoned()
        #expect(saga.order.state == .expired)
        // It completes at the bank afterwards: the money goes back.
        saga.latePaymentObserved(Self.payment(.authorized))
        #expect(saga.order.state == .voiding && saga.nextStep(now: late) == .voidPayment)
        saga.paymentVoided()
        #expect(saga.order.state == .failed && saga.events == ["booking.expired", "booking.failed"])
    }

    @Test func seatsLostAfterAuthorizationVoidThePayment() throws {
        var saga = Self.held()
        try saga.paymentStarted(now: Self.start)
        saga.paymentCreated(reference: "pay_1")
        saga.paymentObserved(Self.payment(.authorized))
        saga.seatsLost(reason: "the seats could not be sold: HOLD_EXPIRED")
        #expect(saga.order.state == .voiding && saga.nextStep(now: Self.start) == .voidPayment)
        saga.paymentVoided()
        #expect(saga.order.state == .failed && saga.order.failureReason == "the seats could not be sold: HOLD_EXPIRED")
    }

    @Test func aFailedCaptureGivesTheSeatsBackBeforeVoiding() throws {
        var saga = Self.held()
        try saga.paymentStarted(now: Self.start)
        saga.paymentCreated(reference: "pay_1")
        saga.paymentObserved(Self.payment(.authorized))
        saga.seatsConfirmed(seatBookingID: 77, bookingCode: "CODE")
        saga.captureFailed(reason: "authorization expired")
        #expect(saga.nextStep(now: Self.start) == .cancelSeatBooking)
        saga.seatBookingCancelled()
        #expect(saga.nextStep(now: Self.start) == .voidPayment)
    }

    @Test func aPaymentForAnotherAmountIsNeverTakenForTheSeats() throws {
        var saga = Self.held()
        try saga.paymentStarted(now: Self.start)
        saga.paymentCreated(reference: "pay_1")
        saga.paymentObserved(Self.payment(.authorized, amount: Money(100, "INR")))
        #expect(saga.order.state == .voiding && saga.events == ["payment.mismatch"])
        var otherCurrency = Self.held()
        try otherCurrency.paymentStarted(now: Self.start)
        otherCurrency.paymentCreated(reference: "pay_1")
        otherCurrency.paymentObserved(Self.payment(.authorized, amount: Money(50_000, "EUR")))
        #expect(otherCurrency.order.state == .voiding)
    }

    @Test func lateAndRepeatedOutcomesChangeNothing() throws {
        var saga = Self.held()
        try saga.paymentStarted(now: Self.start)
        saga.paymentCreated(reference: "pay_1")
        saga.paymentObserved(Self.payment(.authorized))
        let authorized = saga
        // A decline of the same payment arriving late, another payment's news, a second hold reply.
        saga.paymentObserved(Self.payment(.failed(reason: "card_declined")))
        saga.paymentObserved(ProviderPayment(reference: "pay_0", status: .canceled, amount: Self.price.total, orderID: "o1"))
        saga.holdPlaced(holdID: 10, deadline: Self.start, seats: [], price: Self.price)
        saga.holdExpired()
        saga.captured(Self.price.total)
        #expect(saga == authorized)
    }

    @Test func cancellingAConfirmedBookingGivesSeatsBackThenRefunds() throws {
        var saga = Self.held()
        try saga.paymentStarted(now: Self.start)
        saga.paymentCreated(reference: "pay_1")
        saga.paymentObserved(Self.payment(.authorized))
        saga.seatsConfirmed(seatBookingID: 77, bookingCode: "CODE")
        saga.captured(Self.price.total)
        try saga.cancellationRequested(feeMinor: 5_000, refundMinor: 45_000)
        #expect(saga.nextStep(now: Self.start) == .cancelSeatBooking)
        saga.seatBookingCancelled()
        #expect(saga.nextStep(now: Self.start) == .refundCancellation)
        saga.cancellationRefunded()
        #expect(saga.order.state == .cancelled && saga.order.refundMinor == 45_000)
        #expect(throws: BookingError.orderNotCancellable(.cancelled)) { try saga.cancellationRequested(feeMinor: 0, refundMinor: 0) }
        #expect(saga.events == ["booking.confirmed", "booking.cancelled"])
    }

    @Test func everyStateHasAStepAndOnlySettledOnesHaveNone() {
        for state in OrderState.allCases {
            var order = Self.newOrder()
            order.state = state
            order.holdDeadline = Self.start.addingTimeInterval(420)
            order.paymentReference = "pay_1"
            let step = OrderSaga(order).nextStep(now: Self.start)
            #expect((step == .none) == (state.isSettled), "\(state) → \(step)")
        }
    }
}
