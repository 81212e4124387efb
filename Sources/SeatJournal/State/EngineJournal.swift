import SeatInventory
import Synchronization

/// The engine's change log on a ``JournalWriter``: every change becomes an ``EngineRecord``.
///
/// A host acknowledges an operation once ``JournalWriter/whenDurable(through:_:)`` reports the
/// LSN it read from ``JournalWriter/appendedThrough`` after the operation returned: that
/// covers the operation's own records and every change it could have observed.
public final class EngineJournal: InventoryChangeLog {
    public let writer: JournalWriter
    /// Every layout logged or recovered, and the id of each layout object shows are created on.
    private let layouts: Mutex<(all: [DurableState.Layout], ids: [ObjectIdentifier: UInt32])>

    /// API keys logged or recovered, for snapshots.
    private let keys: Mutex<[StoredAPIKey]>

    /// A log on `writer` that knows `layouts` and `apiKeys` (those recovered).
    public init(writer: JournalWriter, layouts: [DurableState.Layout], apiKeys: [StoredAPIKey] = []) {
        self.writer = writer
        self.keys = Mutex(apiKeys)
        self.layouts = Mutex((layouts, Dictionary(uniqueKeysWithValues: layouts.map { (ObjectIdentifier($0.layout), $0.id) })))
    }

    /// Every layout logged so far, by id.
    public var definedLayouts: [DurableState.Layout] { layouts.withLock { $0.all } }

    /// The id under which `layout` was logged.
    public func layoutID(of layout: SeatLayout) -> UInt32? {
        layouts.withLock { $0.ids[ObjectIdentifier(layout)] }
    }

    public func admitChange() throws(InventoryError) {
        do {
            try writer.admit()
        } catch {
            throw .changeLogUnavailable(error.description)
        }
    }

    /// Logs a layout definition; the caller holds whatever lock assigns layout ids, so they
    /// reach the journal in order, and has been admitted by ``admitChange()``.
    public func logLayoutDefined(_ layout: DurableState.Layout) {
        layouts.withLock {
            $0.all.append(layout)
            $0.ids[ObjectIdentifier(layout.layout)] = layout.id
        }
        append(.layoutDefined(id: layout.id, json: layout.json))
    }

    public func logShowCreated(_ show: ShowID, layout: SeatLayout, rules: ShowRules) {
        guard let id = layoutID(of: layout) else {
            preconditionFailure("\(show) is created on a layout the journal was never told of")
        }
        append(.showCreated(show, layout: id, rules: rules))
    }

    public func logShowCancelled(_ show: ShowID) {
        append(.showCancelled(show))
    }

    public func logHold(_ change: SeatChange, seats: Span<UInt32>, deadline: Timestamp, lifetimeCap: Timestamp) {
        seats.withUnsafeBufferPointer { seats in
            appendInPlace(.held, payloadBytes: EngineRecord.heldBytes(seats: seats.count)) {
                EngineRecord.writeHeld(change, seats: seats, deadline: deadline, lifetimeCap: lifetimeCap, into: &$0)
            }
        }
    }

    public func logConfirmation(_ change: SeatChange, seats: Span<UInt32>) {
        seats.withUnsafeBufferPointer { seats in
            appendInPlace(.confirmed, payloadBytes: EngineRecord.confirmedBytes(seats: seats.count)) {
                EngineRecord.writeConfirmed(change, seats: seats, into: &$0)
            }
        }
    }

    public func logEnding(_ change: SeatChange) {
        appendInPlace(.ended, payloadBytes: EngineRecord.endedBytes) { EngineRecord.writeEnded(change, into: &$0) }
    }

    public func logExtension(_ hold: HoldID, deadline: Timestamp) {
        appendInPlace(.extended, payloadBytes: EngineRecord.extendedBytes) {
            EngineRecord.writeExtended(hold, deadline: deadline, into: &$0)
        }
    }

    /// Every API key logged so far, revoked ones with when.
    public var apiKeys: [StoredAPIKey] { keys.withLock { $0 } }

    /// Logs a new API key; the caller holds the lock that assigns key ids and was admitted.
    public func logAPIKeyCreated(_ key: StoredAPIKey) {
        keys.withLock { keys in
            keys.append(key)
            append(.apiKeyCreated(key))
        }
    }

    public func logAPIKeyRevoked(id: UInt32, at time: UInt64) {
        keys.withLock { keys in
            if let index = keys.firstIndex(where: { $0.id == id }) { keys[index].revokedAt = time }
            append(.apiKeyRevoked(id: id, at: time))
        }
    }

    public func logIdempotentOutcome(_ entry: IdempotencyEntry) {
        append(.idempotentOutcome(entry))
    }

    private func append(_ record: EngineRecord) {
        let (type, payload) = record.encoded
        payload.withUnsafeBytes { _ = writer.appendAdmitted(type: type, payload: $0) }
    }

    /// Appends a record of this type, encoded by `write` on the stack: the seat path allocates nothing here.
    private func appendInPlace(
        _ type: EngineRecord.RecordType, payloadBytes: Int, _ write: (inout PayloadWriter<FixedPayloadStorage>) -> Void
    ) {
        withUnsafeTemporaryAllocation(byteCount: payloadBytes, alignment: 8) { memory in
            var payload = PayloadWriter(FixedPayloadStorage(memory))
            write(&payload)
            _ = writer.appendAdmitted(type: type.rawValue, payload: payload.storage.written)
        }
    }
}
