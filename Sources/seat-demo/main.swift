import Foundation
import SeatInventory
import SeatSamples
import Synchronization

// A live demonstration of the engine until the seatd server lands: simulated customers race
// for the seats of a sample show; some pay, some walk away and let their holds expire.
//
//   seat-demo [--seconds N] [--customers N]

let options = DemoOptions(arguments: CommandLine.arguments)
let coreCount = ProcessInfo.processInfo.activeProcessorCount
let engine = try InventoryEngine(configuration: InventoryConfiguration(shardCount: coreCount))
let layout = try SeatLayout(document: SampleVenues.cinema())
let show = try engine.createShow(layout: layout, rules: ShowRules(seatsPerHoldMax: 8, holdLifetimeMax: .seconds(10)))
let started = ContinuousClock.now
let isFinished = Atomic<Bool>(false)
let tally = Mutex(DemoTally())

func now() -> Timestamp {
    let elapsed = ContinuousClock.now - started
    return Timestamp(milliseconds: UInt64(elapsed.components.seconds) * 1000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000))
}

let tableMegabytes = engine.configuration.reservationTableBytes / 1_048_576
print("\(layout.name): \(layout.seatCount) seats, \(options.customers) customers, \(coreCount) shards (\(tableMegabytes) MiB of reservation slots)")
for _ in 0..<options.customers {
    Thread {
        var random = SystemRandomNumberGenerator()
        while !isFinished.load(ordering: .relaxed) {
            let request = BestAvailableRequest(
                count: [1, 2, 2, 2, 3, 4, 4, 6].randomElement(using: &random)!,
                category: Bool.random(using: &random) ? nil : "premium")
            do {
                let block = try engine.holdBestAvailable(request, in: show, for: .seconds(2), at: now())
                Thread.sleep(forTimeInterval: Double.random(in: 0.2...2.5, using: &random))  // choosing, paying
                if Int.random(in: 0..<10, using: &random) < 7 {
                    _ = try engine.confirm(block.hold.id, at: now())
                    tally.withLock { $0.confirmed += 1 }
                } else {
                    tally.withLock { $0.abandoned += 1 }  // walks away: the hold expires
                }
            } catch InventoryError.holdExpired {
                tally.withLock { $0.lateToPay += 1 }
            } catch {
                tally.withLock { $0.refusals[String(describing: error), default: 0] += 1 }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }.start()
}

let deadline = started + .seconds(options.seconds)
var expired = 0
while ContinuousClock.now < deadline {
    Thread.sleep(forTimeInterval: 0.5)
    expired += engine.expireHolds(at: now())
    let availability = try engine.availability(of: show)
    print(SeatMapRenderer(layout: layout, map: availability.seats, colours: isatty(1) != 0).render())
    let counts = availability.counts
    let snapshot = tally.withLock { $0 }
    print("t=\(now().milliseconds / 1000)s  free \(counts.free)  held \(counts.held)  sold \(counts.sold)  blocked \(counts.blocked)"
        + "  | bookings \(snapshot.confirmed)  holds expired \(expired)  paid too late \(snapshot.lateToPay)\n")
    if counts.free == 0 && counts.held == 0 { break }
}
isFinished.store(true, ordering: .relaxed)
Thread.sleep(forTimeInterval: 3)  // let customers finish what they started
engine.expireHolds(at: now().advanced(by: .seconds(60)))

let final = try engine.availability(of: show)
let violations = engine.invariantViolations()
let snapshot = tally.withLock { $0 }
print("Final: \(final.counts.sold) sold in \(snapshot.confirmed) bookings, \(final.counts.free) free, \(final.counts.held) held.")
for (reason, count) in snapshot.refusals.sorted(by: { $0.value > $1.value }).prefix(5) {
    print("  refused \(count)×: \(reason)")
}
print(violations.isEmpty ? "Invariants hold: every sold seat is in exactly one booking." : "INVARIANT VIOLATIONS: \(violations)")
exit(violations.isEmpty ? 0 : 1)
