import SeatInventory
import SeatSamples

// A fixed workload for instruction counting, which, unlike wall-clock time, does not depend on
// what else the machine is doing:
//
//   valgrind --tool=callgrind HotPathProfile hold       50,000 single-seat holds
//   valgrind --tool=callgrind HotPathProfile confirm    the same, then 50,000 confirmations
//
// The difference between the two totals, divided by 50,000, is the cost of one confirmation;
// `callgrind_annotate --inclusive=yes` on the first gives the cost of one hold.

let operations = 50_000
let stadium = try SeatLayout(document: SampleVenues.stadium())
let engine = try InventoryEngine(
    configuration: InventoryConfiguration(shardCount: 1, reservationsPerShard: 131_072, seatsPerReservationMax: 8))
let show = try engine.createShow(layout: stadium, rules: ShowRules(forbidsSingleSeatGaps: false, seatsPerHoldMax: 8))
let requests = (0..<operations).map { [SeatIndex($0)] }
let now = Timestamp(milliseconds: 1)
var holds: [HoldID] = []
holds.reserveCapacity(operations)
for seats in requests {
    holds.append(try engine.holdSeats(seats, in: show, for: .seconds(600), at: now).id)
}
if CommandLine.arguments.dropFirst().first == "confirm" {
    for hold in holds { _ = try engine.confirm(hold, at: now) }
}
