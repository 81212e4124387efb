/// A client's 128-bit request key: repeating a request with the same key returns the first
/// result instead of acting twice (a retry after a lost response must not hold twice).
public struct IdempotencyKey: Hashable, Sendable {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
}

/// What an idempotent request returned, kept to answer its repetitions.
public enum RecordedOutcome: Hashable, Sendable {
    case hold(Hold)
    case blockHold(BlockHold)
    case booking(BookingID)
    case deadline(Timestamp)
    case done
}

/// One remembered request: its key, what it was (``RequestFingerprint``), when, and how it
/// ended. The ledger's entries travel in the journal and snapshots, so that a request repeated
/// after a restart still gets its first outcome.
public struct IdempotencyEntry: Hashable, Sendable {
    public let key: IdempotencyKey
    public let fingerprint: UInt64
    public let recordedAt: Timestamp
    public let outcome: Result<RecordedOutcome, InventoryError>

    public init(key: IdempotencyKey, fingerprint: UInt64, recordedAt: Timestamp, outcome: Result<RecordedOutcome, InventoryError>) {
        self.key = key
        self.fingerprint = fingerprint
        self.recordedAt = recordedAt
        self.outcome = outcome
    }
}

/// A 64-bit FNV-1a digest of a request's operation and arguments, so that a key reused for a
/// different request is refused rather than answered with another request's result.
struct RequestFingerprint {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    init(operation: UInt64) { mix(operation) }

    mutating func mix(_ word: UInt64) {
        var remaining = word
        for _ in 0..<8 {
            value = (value ^ (remaining & 0xff)) &* 0x0000_0100_0000_01b3
            remaining >>= 8
        }
    }

    mutating func mix(_ text: String?) {
        guard let text else { return mix(0) }
        mix(UInt64(text.utf8.count))
        for byte in text.utf8 { mix(UInt64(byte)) }
    }
}
