extension InventoryEngine {
    /// Runs `operation` once per idempotency key: a repetition within the window gets the first
    /// outcome back, success or refusal. Without a key, it just runs `operation`, and the
    /// request's fingerprint is never computed.
    func idempotent<Value>(
        _ key: IdempotencyKey?,
        at now: Timestamp,
        request describeRequest: () -> RequestFingerprint,
        record: (Value) -> RecordedOutcome,
        replay: (RecordedOutcome) -> Value?,
        operation: () throws(InventoryError) -> Value
    ) throws(InventoryError) -> Value {
        guard let key else { return try operation() }
        let fingerprint = describeRequest()
        switch try ledger.admit(key, fingerprint: fingerprint.value, at: now) {
        case .replay(.success(let recorded)):
            guard let value = replay(recorded) else { throw .idempotencyKeyReused }
            return value
        case .replay(.failure(let error)):
            throw error
        case .fresh:
            do {
                let value = try operation()
                finish(key, fingerprint: fingerprint.value, outcome: .success(record(value)), at: now)
                return value
            } catch {
                finish(key, fingerprint: fingerprint.value, outcome: .failure(error), at: now)
                throw error
            }
        }
    }

    /// Remembers the outcome, and logs it after the operation's own changes, so that recovery
    /// finds the key again with what it answered.
    private func finish(
        _ key: IdempotencyKey, fingerprint: UInt64, outcome: Result<RecordedOutcome, InventoryError>, at now: Timestamp
    ) {
        let entry = IdempotencyEntry(key: key, fingerprint: fingerprint, recordedAt: now, outcome: outcome)
        if ledger.finish(entry) { changeLog?.logIdempotentOutcome(entry) }
    }
}
