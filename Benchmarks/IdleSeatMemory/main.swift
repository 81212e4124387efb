import Foundation
import SeatInventory
import SeatSamples

// Resident memory of idle seats: the growth of this process's resident set (from
// /proc/self/statm) while 1,000 shows of the 100,000-seat stadium are created, divided by their
// 100 M seats. The layout is built first, since all shows share it.

let showCount = 1_000
let stadium = try SeatLayout(document: SampleVenues.stadium())
let engine = try InventoryEngine(
    configuration: InventoryConfiguration(shardCount: 2, reservationsPerShard: 1_024, showsMax: showCount))

func residentBytes() throws -> Int {
    let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
    return Int(fields[1])! * Int(sysconf(Int32(_SC_PAGESIZE)))
}

let before = try residentBytes()
for _ in 0..<showCount { _ = try engine.createShow(layout: stadium) }
let grown = try residentBytes() - before
let seats = showCount * stadium.seatCount
print("idle seats: \(seats), resident growth: \(grown / 1_048_576) MiB, bytes per idle seat: \(String(format: "%.3f", Double(grown) / Double(seats)))")
