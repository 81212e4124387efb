import SeatProtocol

/// One connection's requests since its counts were last added to the server's
/// (``ServerStatistics/add(_:)``, once per read): answered per kind, refusals per code, and the
/// execution times of the requests it chose to time. Kept per connection, so counting a request
/// takes no atomic and no lock.
///
/// Timing and recording every request took about 6 % of seatd's CPU samples at depth 16 (two
/// clock reads, the histogram's lock and a shared counter per request), so a connection times
/// the first request of each kind and then one in ``timedOneIn`` of that kind: a short-lived
/// connection's every request, a busy one's evenly spread sample.
struct RequestTally {
    static let timedOneIn = 32

    /// Requests answered (HELLO included) and refusals (frames refused before being read as a
    /// request included), what STATS counts as `requests` and `refusals`.
    private(set) var requests = 0
    private(set) var refused = 0
    /// Answered per kind slot (``ServerStatistics/slot(of:)``) since the last flush, and the
    /// slots that have any.
    private(set) var answered = [Int](repeating: 0, count: ServerStatistics.slotCount)
    private(set) var answeredSlots: [Int] = []
    private(set) var refusals: [ErrorCode: Int] = [:]
    private(set) var executionTimes: [(slot: Int, duration: Duration)] = []
    /// Per kind slot, requests this connection has answered in all: what decides which to time.
    private var seen = [Int](repeating: 0, count: ServerStatistics.slotCount)

    /// Whether the next request of this kind is one to time.
    func shouldTime(_ opcode: Opcode) -> Bool {
        guard let slot = ServerStatistics.slot(of: opcode) else { return false }
        return seen[slot] % Self.timedOneIn == 0
    }

    mutating func answered(_ opcode: Opcode?, refusal: ErrorCode?, executionTime: Duration? = nil) {
        if opcode != nil { requests += 1 }
        if refusal != nil { refused += 1 }
        if let opcode, let slot = ServerStatistics.slot(of: opcode) {
            if answered[slot] == 0 { answeredSlots.append(slot) }
            answered[slot] += 1
            seen[slot] += 1
            if let executionTime { executionTimes.append((slot, executionTime)) }
        }
        if let refusal { refusals[refusal, default: 0] += 1 }
    }

    var isEmpty: Bool { requests == 0 && refused == 0 }

    /// Forgets what was added to the server's counts, keeping what decides the sampling.
    mutating func flushed() {
        requests = 0
        refused = 0
        for slot in answeredSlots { answered[slot] = 0 }
        answeredSlots.removeAll(keepingCapacity: true)
        if !refusals.isEmpty { refusals.removeAll(keepingCapacity: true) }
        executionTimes.removeAll(keepingCapacity: true)
    }
}
