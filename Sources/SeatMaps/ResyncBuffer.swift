import SeatProtocol

/// The events of one show that arrive while its snapshot is being fetched, to be applied on top
/// of that snapshot (the protocol's resync recipe: subscribe or notice a gap, request
/// AVAILABILITY, then apply every event received since, in sequence order).
///
/// Events reach a connection in sequence order, so the buffer checks that each follows the
/// last. If one was missed, or the buffer is full, the snapshot cannot be completed and the
/// recipe starts again.
public struct ResyncBuffer: Sendable {
    /// Events kept while one snapshot is fetched; a show changing faster than that is re-fetched.
    public static let eventsMax = 16_384

    private var events: [SeatEvent] = []
    private var expected: UInt64?
    public private(set) var isBroken = false

    /// A buffer for a fresh subscription: the first event's sequence is learnt from SUBSCRIBE.
    public init() {}

    /// A buffer after a gap: `first` is the event that revealed it.
    public init(startingWith first: SeatEvent) {
        events = [first]
        expected = first.sequence + 1
    }

    /// SUBSCRIBE answered that the first event carries `next`.
    public mutating func subscribed(next: UInt64) {
        if let first = events.first {
            if first.sequence != next { isBroken = true }
        } else if expected == nil {
            expected = next
        }
    }

    public mutating func add(_ event: SeatEvent) {
        if let expected, event.sequence != expected { isBroken = true }
        if events.count >= Self.eventsMax { isBroken = true }
        if !isBroken { events.append(event) }
        expected = event.sequence + 1
    }

    /// An empty buffer that expects the event after the last one this buffer saw: to fetch the
    /// snapshot again after this buffer broke.
    public func restarted() -> ResyncBuffer {
        var fresh = ResyncBuffer()
        fresh.expected = expected
        return fresh
    }

    /// The view: the snapshot with every buffered event set on top. Nil when the buffer is
    /// broken (then fetch a snapshot again with a fresh buffer).
    ///
    /// - Parameter sequenceBefore: the sequence the snapshot includes at least (the last one
    ///   before the buffer's first event).
    public func view(on snapshot: AvailabilityReply, sequenceBefore: UInt64) -> SeatAvailability? {
        guard !isBroken else { return nil }
        var view = SeatAvailability(snapshot: snapshot, sequence: sequenceBefore)
        for event in events { view.set(event) }
        return view
    }

    /// The sequence the buffer's events follow: the one before its first event, or before the
    /// next one expected.
    public var sequenceBefore: UInt64? {
        guard let next = events.first?.sequence ?? expected else { return nil }
        return next > 0 ? next - 1 : 0
    }
}
