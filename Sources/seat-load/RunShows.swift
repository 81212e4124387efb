import ArgumentParser
import Foundation
import SeatClient
import SeatProtocol
import SeatInventory
import SeatSamples

/// The layouts a run's shows can have, from `SeatSamples`.
enum Venue: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// 100,000 seats: four stands of 100 rows by 250.
    case stadium
    /// 300 seats in 12 rows, one of them blocked: small enough to sell out in a blink.
    case cinema

    var seatCount: UInt32 {
        UInt32(layout.sections.reduce(0) { $0 + $1.rows.reduce(0) { $0 + $1.seats.count } })
    }

    var layout: LayoutDocument {
        switch self {
        case .stadium: SampleVenues.stadium()
        case .cinema: SampleVenues.cinema(id: "seat-load-cinema", name: "seat-load cinema")
        }
    }
}

/// The shows a run works on: its own new ones, so every run starts from empty seat maps and
/// leaves the server's other shows alone. Defining a layout and creating shows need an admin key.
enum RunShows {
    /// `count` new shows of `venue`.
    static func create(_ count: Int, of venue: Venue, on connection: SeatConnection) async throws -> [(show: UInt32, seatCount: UInt32)] {
        let json = Array(try JSONEncoder().encode(venue.layout))
        let (layout, seatCount) = try await connection.defineLayout(json: json)
        var shows: [(show: UInt32, seatCount: UInt32)] = []
        for _ in 0..<count {
            // Best-available pairs must be able to fill the stadium, so no rule against leaving
            // a single seat, and holds long enough to outlast any run.
            let show = try await connection.createShow(
                CreateShowRequest(layout: layout, seatsPerHoldMax: 8, holdLifetimeSeconds: 3600, forbidsSingleSeatGaps: false))
            shows.append((show, seatCount))
        }
        return shows
    }
}

/// A flash sale's final seat map against every confirmation the client saw acknowledged.
struct SaleAudit: Sendable {
    /// A show's seats as the target says they are at the end.
    struct SeatMap {
        let seatCount: UInt32
        /// One bit per seat, set when sold.
        private(set) var sold: [UInt64]
        var held = 0

        init(seatCount: UInt32) {
            self.seatCount = seatCount
            sold = Array(repeating: 0, count: (Int(seatCount) + 63) / 64)
        }

        init(_ reply: AvailabilityReply) {
            seatCount = reply.seatCount
            sold = reply.sold
            held = Int(reply.counts.held)
        }

        mutating func markSold(_ seat: UInt32) { sold[Int(seat / 64)] |= 1 << (seat % 64) }
    }

    let seatCount: Int
    let soldByServer: Int
    let heldAtEnd: Int
    /// Seats that two acknowledged confirmations both claim: an oversell.
    let soldTwice: Int
    /// Seats sold in the server's map that no acknowledged confirmation claims.
    let soldUnacknowledged: Int
    /// Seats of acknowledged confirmations that the server's map shows not sold.
    let acknowledgedNotSold: Int

    var isExact: Bool { soldTwice == 0 && soldUnacknowledged == 0 && acknowledgedNotSold == 0 }

    init(acknowledged: [UInt32], final map: SeatMap) {
        seatCount = Int(map.seatCount)
        soldByServer = map.sold.reduce(0) { $0 + $1.nonzeroBitCount }
        heldAtEnd = map.held
        var claimed = [UInt64](repeating: 0, count: map.sold.count)
        var twice = 0
        var outside = 0
        for seat in acknowledged {
            let (word, bit) = (Int(seat / 64), UInt64(1) << (seat % 64))
            guard word < claimed.count else {
                outside += 1
                continue
            }
            if claimed[word] & bit != 0 { twice += 1 }
            claimed[word] |= bit
        }
        soldTwice = twice
        soldUnacknowledged = zip(map.sold, claimed).reduce(0) { $0 + ($1.0 & ~$1.1).nonzeroBitCount }
        acknowledgedNotSold = outside + zip(map.sold, claimed).reduce(0) { $0 + ($1.1 & ~$1.0).nonzeroBitCount }
    }
}
