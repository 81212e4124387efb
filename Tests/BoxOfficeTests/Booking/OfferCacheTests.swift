@testable import Booking
import Foundation
import Synchronization
import Testing

/// The active offers are read once per lifetime however many orders weigh them, and a change
/// made through this instance is seen by the next order.
@Suite("Offers read once per lifetime", .timeLimit(.minutes(1)))
struct OfferCacheTests {
    typealias HeldLoad = SeatMapLayoutCacheTests.HeldLoad

    static let offer: Promotion = {
        var offer = PromotionTests.promotion(.percentage, 500)
        (offer.id, offer.code) = ("everyone", nil)
        return offer
    }()

    static let callers = 64

    /// A read of the offers that counts its runs.
    final class CountedRead: Sendable {
        let runs = Mutex(0)
        let offers: [Promotion]

        init(_ offers: [Promotion]) { self.offers = offers }

        func callAsFunction() async throws -> [Promotion] {
            runs.withLock { $0 += 1 }
            return offers
        }
    }

    @Test func ordersWithinTheLifetimeShareOneRead() async throws {
        let cache = OfferCache(lifetime: .seconds(1))
        let read = CountedRead([Self.offer])
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<Self.callers { group.addTask { try await cache.offers(at: 10_000) { try await read() }.count } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 1, count: Self.callers))
        #expect(read.runs.withLock { $0 } == 1, "one read for \(Self.callers) orders at once")
        _ = try await cache.offers(at: 10_999) { try await read() }
        #expect(read.runs.withLock { $0 } == 1, "still within the lifetime")
        _ = try await cache.offers(at: 11_000) { try await read() }
        #expect(read.runs.withLock { $0 } == 2, "read again once the lifetime is over")
    }

    @Test func aChangeThroughThisInstanceIsSeenByTheNextOrder() async throws {
        let cache = OfferCache(lifetime: .seconds(1))
        let before = HeldLoad()
        let early = Task { try await cache.offers(at: 10_000) { try await before.run([Promotion]()) } }
        try await SeatMapLayoutCacheTests.eventually { before.runs.withLock { $0 } == 1 }
        cache.invalidate()  // an offer is created while the read that began before it runs
        let after = HeldLoad()
        after.open()
        let late = Task { try await cache.offers(at: 10_000) { try await after.run([Self.offer]) } }
        try await SeatMapLayoutCacheTests.eventually { after.runs.withLock { $0 } == 1 }
        before.open()
        #expect(try await late.value.map(\.id) == ["everyone"], "the order after the change does not get the read begun before it")
        #expect(try await early.value.isEmpty, "the order that asked before the change gets the read it waited for")
        #expect(try await cache.offers(at: 10_500) { [] }.map(\.id) == ["everyone"], "the newer read is the one kept")
    }

    @Test func aFailedReadIsNotKept() async throws {
        struct Unavailable: Error {}
        let cache = OfferCache(lifetime: .seconds(1))
        await #expect(throws: Unavailable.self) { try await cache.offers(at: 10_000) { throw Unavailable() } }
        #expect(try await cache.offers(at: 10_000) { [Self.offer] }.count == 1, "the next order reads again")
    }

    @Test func aLifetimeOfZeroReadsForEveryOrder() async throws {
        let cache = OfferCache(lifetime: .zero)
        let read = CountedRead([])
        for _ in 0..<3 { _ = try await cache.offers(at: 10_000) { try await read() } }
        #expect(read.runs.withLock { $0 } == 3)
    }
}
