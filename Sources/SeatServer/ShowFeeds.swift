import NIOConcurrencyHelpers
import NIOCore
import SeatInventory
import SeatProtocol

/// Turns the engine's numbered seat changes into EVENT frames for the connections subscribed
/// to each show, in sequence order.
///
/// Threads report changes out of order; each show's feed holds early ones back until the gap
/// before them is filled (at most one change per thread, since each number is reported soon
/// after it is drawn). Delivery is queued on the subscriber's event loop under the feed's lock,
/// so every subscriber receives one show's events in order. A subscriber that cannot keep up
/// (its channel is not writable) misses events; the gap in sequence numbers tells it to resync.
public final class ShowFeeds: SeatChangeObserver, @unchecked Sendable {
    /// Changes held back waiting for an earlier number; more means a number was lost, and the
    /// feed skips ahead (its subscribers see a gap) rather than grow.
    public static let reorderWindowMax = 4096
    static let stripeCount = 64

    private struct Feed {
        var nextSequence: UInt64 = 1
        var waiting: [UInt64: SeatEvent] = [:]
        var subscribers: [ObjectIdentifier: Channel] = [:]
    }

    private final class Stripe: @unchecked Sendable {
        let lock = NIOLock()
        var feeds: [UInt32: Feed] = [:]

        /// Runs `body` on the show's feed in place, made empty if the show has none. Under `lock`.
        func update<Result>(_ show: UInt32, _ body: (inout Feed) -> Result) -> Result {
            body(&feeds[show, default: Feed()])
        }
    }

    private let stripes = (0..<ShowFeeds.stripeCount).map { _ in Stripe() }
    private let statistics: ServerStatistics

    public init(statistics: ServerStatistics) {
        self.statistics = statistics
    }

    private func stripe(_ show: UInt32) -> Stripe { stripes[Int(show) % Self.stripeCount] }

    public func seatsChanged(_ change: SeatChange, seats: Span<UInt32>) {
        let show = change.show.rawValue
        let stripe = stripe(show)
        stripe.lock.withLockVoid {
            // Changed where it lies: a copy taken out and stored back would share the feed's
            // dictionaries, and the first change to one would copy it whole.
            stripe.update(show) { feed in
                // Seats are copied only for a show someone watches, or for a change that must wait.
                guard !feed.subscribers.isEmpty || change.sequence != feed.nextSequence else {
                    feed.nextSequence += 1
                    drainWaiting(&feed)
                    return
                }
                let event = SeatEvent(
                    show: show, sequence: change.sequence, kind: SeatEvent.Kind(change.kind),
                    hold: HoldID(change.reservation).rawValue, seats: (0..<seats.count).map { seats[$0] })
                if change.sequence == feed.nextSequence {
                    deliver(event, &feed)
                } else {
                    feed.waiting[change.sequence] = event
                    if feed.waiting.count > Self.reorderWindowMax, let earliest = feed.waiting.keys.min() {
                        feed.nextSequence = earliest
                    }
                }
                drainWaiting(&feed)
            }
        }
    }

    private func drainWaiting(_ feed: inout Feed) {
        guard !feed.waiting.isEmpty else { return }
        while let event = feed.waiting.removeValue(forKey: feed.nextSequence) {
            deliver(event, &feed)
        }
    }

    private func deliver(_ event: SeatEvent, _ feed: inout Feed) {
        feed.nextSequence = event.sequence + 1
        guard !feed.subscribers.isEmpty else { return }
        var encoded = ByteBuffer()
        encoded.writeFrame(FrameHeader(flags: .event, opcode: .event, requestID: 0)) { event.encodePayload(into: &$0) }
        let frame = encoded
        for channel in feed.subscribers.values {
            guard channel.isWritable else {
                statistics.add(.eventsDropped)
                continue
            }
            statistics.add(.eventsSent)
            // Queued even from the channel's own loop, so events from every thread keep the
            // order in which this lock delivered them.
            channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(EventFrame(frame: frame)) }
        }
    }

    /// Adds `channel` to the show's subscribers; returns the sequence number of the first
    /// event it will receive.
    public func subscribe(_ channel: Channel, to show: UInt32) -> UInt64 {
        let stripe = stripe(show)
        return stripe.lock.withLock {
            stripe.update(show) { feed in
                feed.subscribers[ObjectIdentifier(channel)] = channel
                return feed.nextSequence
            }
        }
    }

    public func unsubscribe(_ channel: Channel, from show: UInt32) {
        let stripe = stripe(show)
        stripe.lock.withLockVoid {
            stripe.feeds[show]?.subscribers[ObjectIdentifier(channel)] = nil
        }
    }
}

extension SeatEvent.Kind {
    init(_ kind: SeatChange.Kind) {
        switch kind {
        case .held: self = .held
        case .confirmed: self = .confirmed
        case .released: self = .released
        case .expired: self = .expired
        case .cancelled: self = .cancelled
        }
    }
}
