import Catalog

/// How the booking service sells: hold times, prices beyond the seats, the reconciler's pace.
/// (Cancellation terms are each theatre's own, in the catalog.)
public struct BookingConfiguration: Sendable {
    /// How long a new order's seats are held (shows the catalog creates cap a hold's whole
    /// life at 10 minutes).
    public var holdDuration: Duration = .seconds(7 * 60)
    /// Starting to pay extends the hold to this long from then, once per order (within the cap).
    public var paymentWindow: Duration = .seconds(5 * 60)
    public var pricing = PricingRules()
    /// How long an order may sit in an intermediate state before the reconciler takes it up
    /// (a request or webhook is probably still driving it before then).
    public var reconcileAfter: Duration = .seconds(10)
    /// How often the reconciler looks for such orders.
    public var reconcileInterval: Duration = .seconds(5)
    /// Orders the reconciler takes per pass.
    public var reconcileBatchMax = 100
    /// Bookings of cancelled showtimes the reconciler starts refunding per pass (the rest follow
    /// on the next passes: a big cancellation does not flood the provider).
    public var refundBatchMax = 50
    /// The most seats one order takes: as many as one hold of the catalog's shows.
    public var seatsPerOrderMax = Int(SeatClientCore.seatsPerHoldMax)
    /// How long before a showtime its bookers are reminded (`booking.reminder`, scheduled in the
    /// outbox when the booking is confirmed, so it survives restarts); nil sends no reminders.
    /// A booking made closer to the showtime than this gets none.
    public var reminderLead: Duration? = .seconds(3 * 3600)
    /// How long the active offers, once read, serve new orders (``OfferCache``): an offer
    /// created or withdrawn through another instance counts within this long. Zero reads them
    /// for every order.
    public var offerCacheLifetime: Duration = .seconds(1)
    /// How long a webhook's event is remembered in the inbox, so that a repeat of it does nothing:
    /// well past the time providers retry one (Stripe for up to three days, Razorpay for a day).
    public var webhookInboxRetention: Duration = .seconds(30 * 86_400)

    public init() {}
}
