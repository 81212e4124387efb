/// What a best-available request asks for.
public struct BestAvailableRequest: Hashable, Sendable {
    public var count: Int
    /// A category id of the layout, or nil for any category.
    public var category: String?
    /// A section id of the layout, or nil for any section.
    public var section: String?
    /// Ask for wheelchair spaces with companion seats; otherwise both are left out.
    public var accessible: Bool

    public init(count: Int, category: String? = nil, section: String? = nil, accessible: Bool = false) {
        self.count = count
        self.category = category
        self.section = section
        self.accessible = accessible
    }
}

/// A hold on a block of adjacent seats, `seats` being consecutive seat indices in one row.
public struct BlockHold: Hashable, Sendable {
    public let hold: Hold
    public let seats: Range<Int>

    public var seatIndices: [SeatIndex] { seats.map(SeatIndex.init) }

    public init(hold: Hold, seats: Range<Int>) {
        self.hold = hold
        self.seats = seats
    }
}

extension InventoryEngine {
    /// Holds the best block of adjacent seats in one row that matches `request`, or says why
    /// there is none (see ``BestAvailableShortfall``).
    public func holdBestAvailable(
        _ request: BestAvailableRequest,
        in showID: ShowID,
        for duration: Duration,
        at now: Timestamp,
        idempotencyKey: IdempotencyKey? = nil
    ) throws(InventoryError) -> BlockHold {
        try idempotent(idempotencyKey, at: now, request: {
            var fingerprint = RequestFingerprint(operation: 2)
            fingerprint.mix(UInt64(showID.rawValue))
            fingerprint.mix(duration.wholeMillisecondsRoundedUp)
            fingerprint.mix(UInt64(truncatingIfNeeded: request.count))
            fingerprint.mix(request.category)
            fingerprint.mix(request.section)
            fingerprint.mix(request.accessible ? 1 : 0)
            return fingerprint
        }, record: RecordedOutcome.blockHold) { recorded in
            guard case .blockHold(let hold) = recorded else { return nil }
            return hold
        } operation: { () throws(InventoryError) -> BlockHold in
            unowned(unsafe) let show = try liveShow(showID).takeUnretainedValue()
            return try holdBestAvailable(request, on: show, forMilliseconds: duration.wholeMillisecondsRoundedUp, at: now)
        }
    }

    private func holdBestAvailable(
        _ request: BestAvailableRequest,
        on show: ShowInventory,
        forMilliseconds duration: UInt64,
        at now: Timestamp
    ) throws(InventoryError) -> BlockHold {
        guard request.count > 0 else { throw .noSeatsRequested }
        guard request.count <= show.rules.seatsPerHoldMax else { throw .ruleViolated(.seatsPerHold, seat: nil) }
        var filter = SeatFilter(accessible: request.accessible)
        if let category = request.category {
            guard let index = show.layout.categoryIndex(id: category) else { throw .unknownCategory(category) }
            filter.category = index
        }
        if let section = request.section {
            guard let index = show.layout.sectionIndex(id: section) else { throw .unknownSection(section) }
            filter.section = index
        }
        for _ in 0..<InventoryLimits.bestAvailableAttemptsMax {
            let block: Range<Int>
            switch show.bestBlock(count: request.count, filter: filter) {
            case .success(let found): block = found
            case .failure(let shortfall): throw .noBlockAvailable(shortfall)
            }
            var buffer = SeatBuffer(repeating: 0)
            for offset in 0..<block.count { buffer[offset] = UInt32(block.lowerBound + offset) }
            do {
                let hold = try placeHold(
                    on: show, seats: buffer.span.extracting(0..<block.count), forMilliseconds: duration, at: now)
                return BlockHold(hold: hold, seats: block)
            } catch .seatUnavailable, .ruleViolated(.noSingleSeatGap, _) {
                continue  // a concurrent hold got there between the search and the take: search again
            }
        }
        throw .noBlockAvailable(.contended)
    }
}
