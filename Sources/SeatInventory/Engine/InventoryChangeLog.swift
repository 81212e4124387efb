/// Receives every change to the engine's state before anyone can see it: the journal.
///
/// A change is logged while the operation making it still owns what it changes (the hold's
/// slot and seats, or the show table's creation lock), so the log's order respects every
/// causal order readers can observe: a seat is logged free before another hold of it is
/// logged. A host that acknowledges an operation only once everything logged up to its return
/// is durable never acknowledges a state a crash could lose.
///
/// Called on the thread making the change, possibly on several at once; must be quick and must
/// not call back into the engine. Logging cannot fail: an operation asks ``admitChange()``
/// before it changes anything, and a log that breaks later fails its waiters instead.
public protocol InventoryChangeLog: AnyObject, Sendable {
    /// Throws ``InventoryError/changeLogUnavailable(_:)`` when the log takes no more changes;
    /// asked before every operation that would change state, except expiry, which must always run.
    func admitChange() throws(InventoryError)
    func logShowCreated(_ show: ShowID, layout: SeatLayout, rules: ShowRules)
    func logShowCancelled(_ show: ShowID)
    /// A hold placed: `change.kind` is ``SeatChange/Kind/held``.
    func logHold(_ change: SeatChange, seats: Span<UInt32>, deadline: Timestamp, lifetimeCap: Timestamp)
    /// A hold confirmed: `change.kind` is ``SeatChange/Kind/confirmed``. The seats travel with
    /// it so that a reader of the log (the PostgreSQL persister) can write the booking without
    /// remembering every hold it has seen.
    func logConfirmation(_ change: SeatChange, seats: Span<UInt32>)
    /// A hold released or expired, or a booking cancelled.
    func logEnding(_ change: SeatChange)
    func logExtension(_ hold: HoldID, deadline: Timestamp)
    /// The outcome of a request that carried an idempotency key, after the changes it made.
    func logIdempotentOutcome(_ entry: IdempotencyEntry)
}
