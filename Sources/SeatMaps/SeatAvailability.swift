import SeatProtocol

/// One show's seats as a subscriber sees them: a snapshot from AVAILABILITY with the show's
/// seat events applied on top, and the sequence number of the last change it includes.
///
/// A value: the live feed keeps one per watched show and hands out copies (the bitmaps are
/// shared until the next change).
public struct SeatAvailability: Hashable, Sendable {
    public enum SeatState: UInt8, Sendable {
        case free, held, sold, blocked

        /// The one-letter code of the seat map's `availability` string.
        public var code: UInt8 {
            switch self {
            case .free: UInt8(ascii: "f")
            case .held: UInt8(ascii: "h")
            case .sold: UInt8(ascii: "s")
            case .blocked: UInt8(ascii: "b")
            }
        }
    }

    public struct Counts: Hashable, Sendable, Codable {
        public var free = 0
        public var held = 0
        public var sold = 0
        public var blocked = 0

        public init() {}
    }

    /// How an event in sequence order met this view.
    public enum Step: Equatable, Sendable {
        case applied
        /// Older than the view (it was part of the snapshot's resync): nothing to do.
        case alreadyApplied
        /// Events between the view and this one were missed: the view must be rebuilt.
        case gap(expected: UInt64)
    }

    public let show: UInt32
    public let seatCount: Int
    public let isCancelled: Bool
    /// The sequence number of the last change this view includes (0 before any).
    public private(set) var sequence: UInt64
    private var taken: [UInt64]
    private var sold: [UInt64]
    private let blocked: [UInt64]

    /// A view from an AVAILABILITY reply that includes every change up to `sequence`.
    public init(snapshot: AvailabilityReply, sequence: UInt64) {
        show = snapshot.show
        seatCount = Int(snapshot.seatCount)
        isCancelled = snapshot.isCancelled
        self.sequence = sequence
        let words = (seatCount + 63) / 64
        func sized(_ bitmap: [UInt64]) -> [UInt64] {
            bitmap.count == words ? bitmap : Array((bitmap + Array(repeating: 0, count: words)).prefix(words))
        }
        taken = sized(snapshot.taken)
        sold = sized(snapshot.sold)
        blocked = sized(snapshot.blocked)
    }

    /// Applies the next event of this show, if it is the next one.
    public mutating func apply(_ event: SeatEvent) -> Step {
        guard event.sequence > sequence else { return .alreadyApplied }
        guard event.sequence == sequence + 1 else { return .gap(expected: sequence + 1) }
        set(event)
        return .applied
    }

    /// Sets the event's seats to the state its kind names and moves the view to its sequence,
    /// whatever the view held before: the protocol's resync recipe.
    mutating func set(_ event: SeatEvent) {
        for seat in event.seats where Int(seat) < seatCount {
            let word = Int(seat) / 64
            let bit = UInt64(1) << (seat % 64)
            switch event.kind {
            case .held:
                taken[word] |= bit
                sold[word] &= ~bit
            case .confirmed:
                taken[word] |= bit
                sold[word] |= bit
            case .released, .expired, .cancelled:
                taken[word] &= ~bit
                sold[word] &= ~bit
            }
        }
        sequence = max(sequence, event.sequence)
    }

    public func state(of seat: Int) -> SeatState {
        let word = seat / 64
        let bit = UInt64(1) << (seat % 64)
        if blocked[word] & bit != 0 { return .blocked }
        if sold[word] & bit != 0 { return .sold }
        if taken[word] & bit != 0 { return .held }
        return .free
    }
}
