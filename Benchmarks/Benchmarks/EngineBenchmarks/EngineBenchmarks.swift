import Benchmark
import Foundation
import SeatInventory
import SeatSamples

// Engine operations in-process, no I/O, on a 100,000-seat stadium show. Each run performs
// `scaledIterations` operations between startMeasurement() and stopMeasurement(); undoing them
// (cancelling the bookings or releasing the holds the run made) happens after the measured
// region, so every run starts from the same state and the malloc counts cover the operations.

let stadium = try! SeatLayout(document: SampleVenues.stadium())
let start = Timestamp(milliseconds: 1)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    Benchmark("hold + confirm, 1 seat") { benchmark, fixture in
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            let hold = try! fixture.engine.holdSeats(fixture.singleSeats[iteration], in: fixture.show, for: .seconds(600), at: start)
            fixture.bookings.append(try! fixture.engine.confirm(hold.id, at: start))
        }
        benchmark.stopMeasurement()
        fixture.cancelBookings()
    } setup: {
        EngineFixture(forbidsSingleSeatGaps: false)
    }

    Benchmark("best-available hold, 4 seats") { benchmark, fixture in
        let request = BestAvailableRequest(count: 4)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            fixture.holds.append(try! fixture.engine.holdBestAvailable(request, in: fixture.show, for: .seconds(600), at: start).hold.id)
        }
        benchmark.stopMeasurement()
        fixture.releaseHolds()
    } setup: {
        EngineFixture(forbidsSingleSeatGaps: true)
    }

    Benchmark("release, 1 seat") { benchmark, fixture in
        for iteration in benchmark.scaledIterations {
            fixture.holds.append(try! fixture.engine.holdSeats(fixture.singleSeats[iteration], in: fixture.show, for: .seconds(600), at: start).id)
        }
        benchmark.startMeasurement()
        for hold in fixture.holds {
            try! fixture.engine.release(hold, at: start)
        }
        benchmark.stopMeasurement()
        fixture.holds.removeAll(keepingCapacity: true)
    } setup: {
        EngineFixture(forbidsSingleSeatGaps: false)
    }

    // Two threads hold and confirm alternate seats of one show: every word they touch is
    // contended. The measured region includes starting and joining the two threads (a few
    // allocations per run, not per operation).
    Benchmark("two threads on one hot show, hold + confirm, 1 seat") { benchmark, fixture in
        let perThread = benchmark.scaledIterations.count / 2
        benchmark.startMeasurement()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            let booked = fixture.threadBookings[thread]
            for index in 0..<perThread {
                let seats = fixture.singleSeats[index * 2 + thread]
                let hold = try! fixture.engine.holdSeats(seats, in: fixture.show, for: .seconds(600), at: start)
                booked[index] = try! fixture.engine.confirm(hold.id, at: start).rawValue
            }
        }
        benchmark.stopMeasurement()
        for booked in fixture.threadBookings {
            for raw in booked.prefix(perThread) { try! fixture.engine.cancel(BookingID(rawValue: raw)!, at: start) }
        }
    } setup: {
        EngineFixture(forbidsSingleSeatGaps: false)
    }

    // The peer: the obvious design this engine replaces, one mutex around a seat-state array,
    // doing the same hold + confirm (see LockedSeatMap.swift).
    Benchmark("peer: mutex-guarded seat array, hold + confirm, 1 seat") { benchmark, seats in
        benchmark.startMeasurement()
        for seat in benchmark.scaledIterations {
            let hold = seats.hold(seat)!
            blackHole(seats.confirm(hold))
        }
        benchmark.stopMeasurement()
        seats.reset()
    } setup: {
        LockedSeatMap(seatCount: stadium.seatCount)
    }

    Benchmark("peer: mutex-guarded seat array, two threads, hold + confirm, 1 seat") { benchmark, seats in
        let perThread = benchmark.scaledIterations.count / 2
        benchmark.startMeasurement()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for index in 0..<perThread {
                let hold = seats.hold(index * 2 + thread)!
                blackHole(seats.confirm(hold))
            }
        }
        benchmark.stopMeasurement()
        seats.reset()
    } setup: {
        LockedSeatMap(seatCount: stadium.seatCount)
    }
}

/// An engine with one stadium show, with room for every reservation a run makes.
final class EngineFixture: @unchecked Sendable {
    let engine: InventoryEngine
    let show: ShowID
    /// One single-seat request per iteration, spread over the stadium, built before measuring.
    let singleSeats: [[SeatIndex]]
    var holds: [HoldID] = []
    var bookings: [BookingID] = []
    /// Raw booking ids, one buffer per thread, so two threads record without sharing an array.
    let threadBookings: [UnsafeMutableBufferPointer<UInt64>]

    init(forbidsSingleSeatGaps: Bool) {
        engine = try! InventoryEngine(
            configuration: InventoryConfiguration(shardCount: 1, reservationsPerShard: 131_072, seatsPerReservationMax: 8))
        show = try! engine.createShow(
            layout: stadium, rules: ShowRules(forbidsSingleSeatGaps: forbidsSingleSeatGaps, seatsPerHoldMax: 8))
        singleSeats = (0..<stadium.seatCount).map { [SeatIndex($0)] }
        threadBookings = (0..<2).map { _ in .allocate(capacity: stadium.seatCount / 2) }
        holds.reserveCapacity(stadium.seatCount)
        bookings.reserveCapacity(stadium.seatCount)
    }

    func cancelBookings() {
        for booking in bookings { try! engine.cancel(booking, at: start) }
        bookings.removeAll(keepingCapacity: true)
    }

    func releaseHolds() {
        for hold in holds { try! engine.release(hold, at: start) }
        holds.removeAll(keepingCapacity: true)
    }
}
