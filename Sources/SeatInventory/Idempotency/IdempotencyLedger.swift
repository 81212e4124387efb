import Synchronization

/// Remembers the outcome of recent requests by idempotency key, within a bounded window.
///
/// The window is both a time (``InventoryConfiguration/idempotencyWindow``) and a count
/// (``InventoryConfiguration/idempotencyKeysMax``): when the ledger is full the oldest key is
/// forgotten first. Keys are spread over stripes, each behind its own mutex with storage
/// reserved at start-up. Only requests that carry a key pass through here; the seat path itself
/// takes no lock.
final class IdempotencyLedger: Sendable {
    static let stripeCount = 64

    private let stripes: [LockedStripe]
    private let windowMilliseconds: UInt64

    init(keysMax: Int, window: Duration) {
        let keysPerStripe = keysMax / Self.stripeCount
        stripes = (0..<Self.stripeCount).map { _ in LockedStripe(capacity: keysPerStripe) }
        windowMilliseconds = window.wholeMillisecondsRoundedUp
    }

    enum Admission {
        /// The key is new: run the request, then ``finish(_:fingerprint:outcome:at:)``.
        case fresh
        case replay(Result<RecordedOutcome, InventoryError>)
    }

    /// Looks the key up and, when it is new, marks it in progress.
    func admit(_ key: IdempotencyKey, fingerprint: UInt64, at now: Timestamp) throws(InventoryError) -> Admission {
        let stripe = stripes[stripeIndex(key)]
        let found: Stripe.Entry? = stripe.state.withLock { state in
            state.forgetExpired(before: now.milliseconds &- min(now.milliseconds, windowMilliseconds))
            if let entry = state.entries[key] { return entry }
            state.insert(key, Stripe.Entry(fingerprint: fingerprint, recordedAt: now.milliseconds, outcome: nil))
            return nil
        }
        guard let found else { return .fresh }
        guard found.fingerprint == fingerprint else { throw .idempotencyKeyReused }
        guard let outcome = found.outcome else { throw .idempotentRequestInProgress }
        return .replay(outcome)
    }

    /// Records the outcome of a request admitted as fresh.
    func finish(_ key: IdempotencyKey, fingerprint: UInt64, outcome: Result<RecordedOutcome, InventoryError>, at now: Timestamp) {
        stripes[stripeIndex(key)].state.withLock { state in
            guard state.entries[key] != nil else { return }  // forgotten meanwhile: nothing to answer
            state.entries[key] = Stripe.Entry(fingerprint: fingerprint, recordedAt: now.milliseconds, outcome: outcome)
        }
    }

    func stripeIndex(_ key: IdempotencyKey) -> Int {
        Int(truncatingIfNeeded: (key.high ^ key.low &* 0x9E37_79B9_7F4A_7C15) >> 58) % Self.stripeCount
    }
}

private final class LockedStripe: Sendable {
    let state: Mutex<Stripe>

    init(capacity: Int) { state = Mutex(Stripe(capacity: capacity)) }
}

/// One stripe's keys: a dictionary for lookups and a ring in arrival order for forgetting.
private struct Stripe {
    struct Entry {
        let fingerprint: UInt64
        let recordedAt: UInt64
        /// nil while the request is in progress.
        let outcome: Result<RecordedOutcome, InventoryError>?
    }

    var entries: [IdempotencyKey: Entry]
    var arrivalOrder: [IdempotencyKey?]
    var oldest = 0
    var count = 0

    init(capacity: Int) {
        entries = Dictionary(minimumCapacity: capacity)
        arrivalOrder = Array(repeating: nil, count: capacity)
    }

    mutating func insert(_ key: IdempotencyKey, _ entry: Entry) {
        if count == arrivalOrder.count { forgetOldest() }
        arrivalOrder[(oldest + count) % arrivalOrder.count] = key
        count += 1
        entries[key] = entry
    }

    mutating func forgetExpired(before cutoff: UInt64) {
        while count > 0, let key = arrivalOrder[oldest], (entries[key]?.recordedAt ?? 0) < cutoff {
            forgetOldest()
        }
    }

    private mutating func forgetOldest() {
        if let key = arrivalOrder[oldest] { entries[key] = nil }
        arrivalOrder[oldest] = nil
        oldest = (oldest + 1) % arrivalOrder.count
        count -= 1
    }
}
