import NIOCore
import SeatProtocol
import Testing

@testable import seat_load

/// The flash sale's audit must be able to fail: each kind of discrepancy is found and counted.
@Suite(.timeLimit(.minutes(1))) struct SaleAuditTests {
    /// A 130-seat show with exactly `sold` sold.
    static func map(sold: [UInt32]) -> SaleAudit.SeatMap {
        var map = SaleAudit.SeatMap(seatCount: 130)
        for seat in sold { map.markSold(seat) }
        return map
    }

    @Test func seatdsAvailabilityReplyReadsAsTheSameMap() {
        var words = [UInt64](repeating: 0, count: 3)
        for seat: UInt32 in [3, 64, 129] { words[Int(seat / 64)] |= 1 << (seat % 64) }
        let reply = AvailabilityReply(
            show: 1, isCancelled: false, seatCount: 130, counts: WireSeatCounts(free: 125, held: 2, sold: 3, blocked: 0),
            categories: [], taken: words, sold: words, blocked: [0, 0, 0])
        let map = SaleAudit.SeatMap(reply)
        #expect(map.sold == Self.map(sold: [3, 64, 129]).sold)
        #expect(map.held == 2)
    }

    @Test func acknowledgedSalesMatchingTheMapAreExact() {
        let audit = SaleAudit(acknowledged: [0, 1, 64, 65, 128, 129], final: Self.map(sold: [0, 1, 64, 65, 128, 129]))
        #expect(audit.isExact)
        #expect(audit.soldByServer == 6)
    }

    @Test func aSeatTwoConfirmationsClaimIsAnOversell() {
        let audit = SaleAudit(acknowledged: [0, 1, 1, 2], final: Self.map(sold: [0, 1, 2]))
        #expect(audit.soldTwice == 1)
        #expect(!audit.isExact)
    }

    @Test func soldSeatsNobodyWasToldOfAndToldSalesMissingFromTheMapAreBothCounted() {
        let audit = SaleAudit(acknowledged: [0, 1, 70, 500], final: Self.map(sold: [0, 1, 2, 3]))
        #expect(audit.soldUnacknowledged == 2, "seats 2 and 3")
        #expect(audit.acknowledgedNotSold == 2, "seat 70, and 500 beyond the show")
        #expect(audit.soldTwice == 0)
        #expect(!audit.isExact)
    }
}

/// Open loop arrivals: evenly spaced at the connection's share of the rate, connections offset
/// so their arrivals interleave rather than coincide.
@Suite(.timeLimit(.minutes(1))) struct ArrivalScheduleTests {
    @Test func arrivalsAreEvenlySpacedAndConnectionsInterleave() {
        // 4,000 per second over 4 connections: each connection every millisecond.
        var first = ArrivalSchedule(ratePerSecond: 4000, connection: 0, connections: 4, startNanoseconds: 1_000_000)
        var third = ArrivalSchedule(ratePerSecond: 4000, connection: 2, connections: 4, startNanoseconds: 1_000_000)
        #expect((0..<3).map { _ in first.takeNext() } == [1_000_000, 2_000_000, 3_000_000])
        #expect((0..<3).map { _ in third.takeNext() } == [1_500_000, 2_500_000, 3_500_000])
        #expect(first.nextNanoseconds == 4_000_000, "looking does not take")
        #expect(first.nextNanoseconds == 4_000_000)
    }
}

/// Redis's side of the wire: commands as RESP arrays, replies parsed whole or not at all, and
/// a length past the limits refused rather than buffered.
@Suite(.timeLimit(.minutes(1))) struct RESPTests {
    static func parse(_ text: String) throws -> RESPValue? {
        var buffer = ByteBuffer(string: text)
        return try RESPValueDecoder.parse(&buffer)
    }

    @Test func aCommandIsAnArrayOfBulkStrings() {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand([.text("SET"), .seatKey(show: 12, seat: 3456), .number(0), .number(60_000)])
        #expect(String(buffer: buffer) == "*4\r\n$3\r\nSET\r\n$9\r\ns:12:3456\r\n$1\r\n0\r\n$5\r\n60000\r\n")
    }

    @Test func everyReplyKindParses() throws {
        guard case .simpleString("OK") = try Self.parse("+OK\r\n") else { Issue.record("+OK"); return }
        guard case .error("ERR no") = try Self.parse("-ERR no\r\n") else { Issue.record("-ERR"); return }
        guard case .integer(-7) = try Self.parse(":-7\r\n") else { Issue.record(":-7"); return }
        guard case .bulkString(nil) = try Self.parse("$-1\r\n") else { Issue.record("$-1"); return }
        guard case .bulkString(let bytes?) = try Self.parse("$3\r\nabc\r\n"), String(buffer: bytes) == "abc" else {
            Issue.record("$3"); return
        }
        guard case .array(let elements?) = try Self.parse("*2\r\n:1\r\n$1\r\nx\r\n"), elements.count == 2 else {
            Issue.record("*2"); return
        }
    }

    @Test func aReplyNotAllArrivedIsNotParsed() throws {
        for partial in ["+O", "+OK\r", "$3\r\nab", "$3\r\nabc\r", "*2\r\n:1\r\n"] {
            #expect(try Self.parse(partial) == nil, "\(partial.debugDescription)")
        }
    }

    @Test func lengthsPastTheLimitsAndUnknownKindsAreRefused() {
        #expect(throws: RESPValueDecoder.MalformedReply.self) { try Self.parse("$\(RESPValueDecoder.bulkBytesMax + 1)\r\n") }
        #expect(throws: RESPValueDecoder.MalformedReply.self) { try Self.parse("*\(RESPValueDecoder.arrayCountMax + 1)\r\n") }
        #expect(throws: RESPValueDecoder.MalformedReply.self) { try Self.parse(":seven\r\n") }
        #expect(throws: RESPValueDecoder.MalformedReply.self) { try Self.parse("!3\r\n") }
    }
}
