/// Open loop: when each cycle of one connection is meant to start, evenly spaced at the
/// connection's share of the total rate, whatever the server's answers are doing. Latencies are
/// measured from these intended times, so a stall delays every arrival behind it and shows in
/// the histogram instead of quietly lowering the rate (coordinated omission).
struct ArrivalSchedule {
    /// Arrivals that may wait for a lane; beyond this the client, not the server,
    /// is the bottleneck, and further arrivals are counted as unstarted.
    static let waitingArrivalsMax = 100_000
    /// Arrivals are admitted on a grid of this step, shared by every connection, so
    /// one wake-up of the event loop admits the due arrivals of all its connections at once.
    /// Measured here, waking for each arrival instead cost the client more than the batching delay.
    static let admissionTickNanoseconds: UInt64 = 200_000

    private let firstNanoseconds: UInt64
    private let intervalNanoseconds: Double
    private var issued: UInt64 = 0

    /// - Parameters:
    ///   - ratePerSecond: arrivals per second for the whole run.
    ///   - connection, connections: this connection's place among all of them; connections are
    ///     offset by a fraction of the interval so their arrivals interleave.
    init(ratePerSecond: Double, connection: Int, connections: Int, startNanoseconds: UInt64) {
        intervalNanoseconds = 1e9 * Double(connections) / ratePerSecond
        firstNanoseconds = startNanoseconds + UInt64(intervalNanoseconds * Double(connection) / Double(connections))
    }

    /// When the next arrival is meant to start, in uptime nanoseconds.
    var nextNanoseconds: UInt64 { firstNanoseconds + UInt64(intervalNanoseconds * Double(issued)) }

    /// Takes the next arrival and returns its intended start.
    mutating func takeNext() -> UInt64 {
        defer { issued += 1 }
        return nextNanoseconds
    }
}
