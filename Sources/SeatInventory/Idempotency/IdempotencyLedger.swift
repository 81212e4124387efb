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

    /// Records the outcome of a request admitted as fresh; false when the key was forgotten
    /// meanwhile (pushed out by newer keys), so there is nothing to remember.
    func finish(_ entry: IdempotencyEntry) -> Bool {
        stripes[stripeIndex(entry.key)].state.withLock { state in
            guard state.entries[entry.key] != nil else { return false }
            state.entries[entry.key] = Stripe.Entry(
                fingerprint: entry.fingerprint, recordedAt: entry.recordedAt.milliseconds, outcome: entry.outcome)
            return true
        }
    }

    /// Every finished entry, each stripe's oldest first: what a snapshot keeps. O(keys).
    func entries() -> [IdempotencyEntry] {
        stripes.flatMap { stripe in
            stripe.state.withLock { state in
                state.keysInArrivalOrder.compactMap { key in
                    guard let entry = state.entries[key], let outcome = entry.outcome else { return nil }
                    return IdempotencyEntry(
                        key: key, fingerprint: entry.fingerprint, recordedAt: Timestamp(milliseconds: entry.recordedAt),
                        outcome: outcome)
                }
            }
        }
    }

    /// Remembers entries recovered from the journal and snapshots, oldest first; a key already
    /// known keeps its place. Beyond the ledger's size the oldest are forgotten, as at run time.
    func restore(_ recovered: [IdempotencyEntry]) {
        for entry in recovered {
            stripes[stripeIndex(entry.key)].state.withLock { state in
                guard state.entries[entry.key] == nil else { return }
                state.insert(
                    entry.key,
                    Stripe.Entry(fingerprint: entry.fingerprint, recordedAt: entry.recordedAt.milliseconds, outcome: entry.outcome))
            }
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

    var keysInArrivalOrder: [IdempotencyKey] {
        (0..<count).compactMap { arrivalOrder[(oldest + $0) % arrivalOrder.count] }
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
