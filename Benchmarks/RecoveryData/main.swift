import Foundation
import SeatInventory
import SeatJournal
import SeatSamples

// Builds a data directory for timing seatd's recovery: `shows` shows of the 100,000-seat
// stadium (100 M seats at 1,000), a snapshot of them, then `records` journal records after the
// snapshot for recovery to replay: pairs of seats held and then confirmed (one cycle in eight,
// so the bookings fit the reservation table) or released, round-robin over the shows.
//
//   RecoveryData <directory> [shows, default 1000] [records, default 10000000]
//
// The engine's shape is seatd's default (8 shards of 131,072 reservations), so `seatd serve
// --data-dir <directory>` loads it as it is.

let arguments = CommandLine.arguments
guard arguments.count >= 2, arguments.count <= 4 else {
    print("usage: RecoveryData <directory> [shows] [records]")
    exit(2)
}
let showCount = arguments.count > 2 ? Int(arguments[2])! : 1_000
let recordCount = arguments.count > 3 ? Int(arguments[3])! : 10_000_000
let configuration = InventoryConfiguration(shardCount: 8, reservationsPerShard: 131_072, showsMax: 65_536)
let confirmEvery = 8

let directory = try DataDirectory(arguments[1])
guard try FileManager.default.contentsOfDirectory(atPath: directory.journal).isEmpty else {
    print("\(arguments[1]) already holds a journal; give an empty or new directory")
    exit(1)
}
let writer = try JournalWriter(directory: directory.journal, lastLSN: 0, durability: .none)
let journal = EngineJournal(writer: writer, layouts: [])
let engine = try InventoryEngine(configuration: configuration, changeLog: journal)

let json = Array(try JSONEncoder().encode(SampleVenues.stadium()))
let stadium = try DurableState.Layout(id: 0, json: json)
journal.logLayoutDefined(stadium)
let shows = try (0..<showCount).map { _ in
    try engine.createShow(layout: stadium.layout, rules: ShowRules(forbidsSingleSeatGaps: false, seatsPerHoldMax: 4, holdLifetimeMax: .seconds(600)))
}
let snapshot = try Snapshotter(engine: engine, journal: journal, directory: directory).takeSnapshot()
print("snapshot: \(showCount) shows, \(showCount * stadium.layout.seatCount) seats, \(snapshot.uncompressedBytes) bytes, \(snapshot.compressedBytes) compressed")

// Each show's next free seat; a confirmed pair moves it on, a released pair leaves it.
var nextSeat = [Int](repeating: 0, count: showCount)
var now = Timestamp(milliseconds: 1_000)
var cycle = 0
let started = ContinuousClock.now
while writer.appendedThrough - snapshot.endLSN < UInt64(recordCount) {
    let index = cycle % showCount
    let first = nextSeat[index]
    precondition(first + 1 < stadium.layout.seatCount, "show \(index) is sold out: fewer records or more shows")
    let hold: Hold
    do {
        hold = try engine.holdSeats([SeatIndex(UInt32(first)), SeatIndex(UInt32(first + 1))], in: shows[index], for: .seconds(600), at: now)
    } catch {
        guard case .seatUnavailable(_, .blocked) = error else { throw error }
        nextSeat[index] += 1  // a blocked seat: step past it
        continue
    }
    // Every show books one of its own cycles in eight, so bookings spread over the shards.
    if (cycle / showCount) % confirmEvery == 0 {
        _ = try engine.confirm(hold.id, at: now)
        nextSeat[index] += 2
    } else {
        try engine.release(hold.id, at: now)
    }
    cycle += 1
    if cycle % 1_024 == 0 { now = now.advanced(by: .milliseconds(1)) }
}
writer.close()
print("journal: \(writer.appendedThrough - snapshot.endLSN) records after the snapshot, \(cycle) cycles, \(ContinuousClock.now - started)")
