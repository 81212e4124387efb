import NIOCore
import NIOEmbedded
import SeatProtocol
@testable import SeatServer
import Testing
@testable import SeatInventory

/// Writes the seat events the feeds pass down the pipeline, as the connection handler does
/// when no response is waiting.
private final class EventWriter: ChannelInboundHandler {
    typealias InboundIn = Never
    typealias OutboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? EventFrame else { return context.fireUserInboundEventTriggered(event) }
        context.writeAndFlush(wrapOutboundOut(event.frame), promise: nil)
    }
}

@Suite(.timeLimit(.minutes(2))) struct ShowFeedsTests {
    static func report(_ sequence: UInt64, to feeds: ShowFeeds, seat: UInt32) {
        let change = SeatChange(
            kind: .held, show: ShowID(rawValue: 3), sequence: sequence,
            reservation: ReservationID(shard: 0, slot: Int(sequence), generation: 1))
        let seats = [seat]
        feeds.seatsChanged(change, seats: seats.span)
    }

    static func events(on channel: EmbeddedChannel) throws -> [SeatEvent] {
        channel.embeddedEventLoop.run()
        var events: [SeatEvent] = []
        var decoder = FrameDecoder(firstFramePayloadBytesMax: nil)
        while var bytes = try channel.readOutbound(as: ByteBuffer.self) {
            while let frame = try decoder.nextFrame(from: &bytes) {
                var payload = frame.payload
                events.append(try SeatEvent.decode(from: &payload))
            }
        }
        return events
    }

    /// Changes reported out of order (threads race) reach a subscriber in number order, each once.
    @Test func changesReportedOutOfOrderAreDeliveredInOrder() throws {
        let feeds = ShowFeeds(statistics: ServerStatistics())
        let channel = EmbeddedChannel(handler: EventWriter())
        #expect(feeds.subscribe(channel, to: 3) == 1)
        for sequence: UInt64 in [2, 4, 1, 3, 6, 5] { Self.report(sequence, to: feeds, seat: UInt32(sequence * 10)) }
        let events = try Self.events(on: channel)
        #expect(events.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(events.map(\.seats) == [[10], [20], [30], [40], [50], [60]])
    }

    /// A number that never comes (it cannot, but the window is bounded anyway): once more than
    /// `reorderWindowMax` changes wait, the feed skips ahead and the subscriber sees the gap.
    @Test func aLostNumberMakesTheFeedSkipAheadRatherThanGrow() throws {
        let feeds = ShowFeeds(statistics: ServerStatistics())
        let channel = EmbeddedChannel(handler: EventWriter())
        _ = feeds.subscribe(channel, to: 3)
        let waiting = UInt64(ShowFeeds.reorderWindowMax) + 1
        for sequence in 2...(waiting + 1) { Self.report(sequence, to: feeds, seat: 1) }
        let events = try Self.events(on: channel)
        #expect(events.first?.sequence == 2, "number 1 was skipped")
        #expect(events.count == Int(waiting))
        #expect(events.map(\.sequence) == Array(2...(waiting + 1)))
    }

    /// A subscriber that cannot take more misses events instead of making the server buffer.
    @Test func anUnwritableSubscriberMissesEvents() throws {
        let statistics = ServerStatistics()
        let feeds = ShowFeeds(statistics: statistics)
        let channel = EmbeddedChannel(handler: EventWriter())
        _ = feeds.subscribe(channel, to: 3)
        channel.isWritable = false
        Self.report(1, to: feeds, seat: 1)
        channel.isWritable = true
        Self.report(2, to: feeds, seat: 2)
        #expect(try Self.events(on: channel).map(\.sequence) == [2])
        #expect(statistics[.eventsDropped] == 1)
    }
}
