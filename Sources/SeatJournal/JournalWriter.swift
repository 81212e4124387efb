import Foundation

/// When an append counts as done.
public enum JournalDurability: Hashable, Sendable, CustomStringConvertible {
    /// Done once its record is on disk: written and `fdatasync`ed. One sync covers every record
    /// that arrived while the previous one ran (group commit), so throughput does not collapse.
    case fsync
    /// Done once written to the operating system; synced at least every `interval`. A power
    /// loss (not a process crash) can lose the records of the last interval.
    case batch(interval: Duration)
    /// Done once written to the operating system, never synced. For tests and benchmarks only:
    /// a power loss can lose anything since the last snapshot.
    case none

    public var description: String {
        switch self {
        case .fsync: "fsync"
        case .batch(let interval): "batch (\(interval))"
        case .none: "none"
        }
    }
}

/// Appends records to the journal's segment files on its own thread, so callers (event loops)
/// never wait for the disk: they append, get the record's LSN at once, and are called back
/// when the record is durable under the chosen ``JournalDurability``.
///
/// LSNs are handed out in append order under one lock, and records reach the file in that
/// order, so a record is durable only when every record before it is.
public final class JournalWriter: @unchecked Sendable {
    /// Bytes waiting for the disk beyond which appends are refused (the disk is not keeping up).
    public static let pendingBytesMax = 64 << 20
    /// Callbacks waiting for durability beyond which appends are refused.
    public static let waitingCallbacksMax = 1 << 20
    /// How long the writer gathers records after a write when nobody waits for them (under
    /// `none`, or a host that never asks): at most this many write cycles a second, instead of a
    /// wake-up, a context switch and a small write for every few records.
    static let gatheringInterval: TimeInterval = 0.001

    public let directory: String
    public let durability: JournalDurability
    public let segmentBytesMax: Int

    /// Failures tests inject into the writer's file operations; nil in production.
    private let faults: StorageFaults?
    /// Told what the writer thread writes and syncs, and how long syncs take.
    let observer: (any JournalObserver)?
    /// When set, new segments are encrypted under its current key (``EncryptedSegment``).
    private let encryption: EncryptionKeys?
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var pending: [UInt8] = []
    private var nextLSN: UInt64
    private var writtenLSN: UInt64
    private var durableLSN: UInt64
    private var waiting: [(lsn: UInt64, done: @Sendable (Result<Void, JournalError>) -> Void)] = []
    private var failure: JournalError?
    private var isClosing = false
    /// Why appends are refused for now, though the journal works (``holdBack(_:)``).
    private var heldBack: JournalError?
    private var thread: Thread?
    /// The writer is gathering records after a write: appends need not wake it.
    private var isGathering = false
    // Confined to the writer thread:
    private var segmentPath: String
    private var segmentDescriptor: Int32
    private var segmentBytes: Int
    /// The open segment's cipher when it is encrypted, and the frames written to it.
    private var segmentCipher: EncryptedSegment.Cipher?
    private var framesInSegment: UInt32 = 0
    /// When to start the open segment's writeback; nil under `fsync`, which syncs every batch.
    private var writeback: WritebackSchedule?
    /// The frame being sealed, reused from batch to batch.
    private var frame: [UInt8] = []
    private var lastSync = ContinuousClock.now
    /// The last LSN handed to a batch; the next batch starts after it.
    private var batchedThroughLSN: UInt64

    /// Opens the journal for appending after `lastLSN` (from ``JournalRecovery``): continues the
    /// newest segment, or starts one.
    public init(
        directory: String,
        lastLSN: UInt64,
        durability: JournalDurability = .fsync,
        segmentBytesMax: Int = 64 << 20,
        encryption: EncryptionKeys? = nil,
        faults: StorageFaults? = nil,
        observer: (any JournalObserver)? = nil
    ) throws(JournalError) {
        self.observer = observer
        self.directory = directory
        self.encryption = encryption
        self.faults = faults
        self.durability = durability
        self.segmentBytesMax = segmentBytesMax
        nextLSN = lastLSN + 1
        batchedThroughLSN = lastLSN
        writtenLSN = lastLSN
        durableLSN = lastLSN
        let newest = try JournalSegment.list(in: directory).last
        if let newest, encryption == nil {
            segmentPath = newest.path
            segmentDescriptor = try JournalFiles.openForAppend(newest.path, create: false)
            segmentBytes = Int(lseek(segmentDescriptor, 0, SEEK_END))
        } else {
            // An encrypted segment is never appended to again: its frame numbers, and so its
            // nonces, would have to continue exactly. A newest segment without records (its
            // first LSN is the next one) goes, as its name is the new one's.
            if let newest, newest.firstLSN == lastLSN + 1 {
                guard unlink(newest.path) == 0 else { throw .io(operation: "unlink", path: newest.path, errno: errno) }
            }
            (segmentPath, segmentDescriptor, segmentCipher, segmentBytes) = try Self.createSegment(
                in: directory, firstLSN: lastLSN + 1, encryption: encryption, faults: faults)
        }
        if durability != .fsync { writeback = WritebackSchedule(segmentBytes: segmentBytes) }
        let thread = Thread { [unowned self] in
            // Named from inside: on Linux a name given before the thread starts does not reach
            // the kernel, and traces (`perf sched`, /proc) showed the writer as Dispatch's.
            Thread.current.name = "journal-writer"
            self.writeLoop()
        }
        self.thread = thread
        thread.start()
    }

    deinit {
        Glibc.close(segmentDescriptor)
    }

    /// Appends a record and returns its LSN; `done` is called, on the writer's thread or at
    /// once, when the record is durable under the journal's policy, or with the error that
    /// stopped the journal. Never blocks on the disk; throws when ``admit()`` would.
    @discardableResult
    public func append(
        type: UInt8,
        payload: UnsafeRawBufferPointer,
        whenDurable done: (@Sendable (Result<Void, JournalError>) -> Void)? = nil
    ) throws(JournalError) -> UInt64 {
        guard payload.count <= JournalRecord.payloadBytesMax else { throw .recordTooLarge(bytes: payload.count) }
        condition.lock()
        if let refusal = refusal() {
            condition.unlock()
            throw refusal
        }
        let lsn = enqueue(type: type, payload: payload)
        let acknowledgeNow: Bool
        if case .fsync = durability, let done {
            waiting.append((lsn, done))
            condition.signal()
            acknowledgeNow = false
        } else {
            acknowledgeNow = done != nil
        }
        condition.unlock()
        // Under `batch` and `none` a record counts as done once appended: the writer is the OS's.
        if acknowledgeNow { done?(.success(())) }
        return lsn
    }

    /// Refuses new appends with `reason` until called again with nil: a follower that the
    /// journal must keep every record for is too far behind (``JournalError/retentionFull(keptBytes:limit:)``).
    /// Records already admitted still go in.
    public func holdBack(_ reason: JournalError?) {
        condition.lock()
        defer { condition.unlock() }
        heldBack = reason
    }

    /// Throws when an append now would be refused: the journal failed or is closed, or its
    /// backlog is at a limit. Callers that must not fail halfway ask first, then use
    /// ``appendAdmitted(type:payload:)``.
    public func admit() throws(JournalError) {
        condition.lock()
        defer { condition.unlock() }
        if let refusal = refusal() { throw refusal }
    }

    /// Appends a record whose writer was admitted by ``admit()``, past the backlog limits if it
    /// must (each admitted operation adds at most a record, so the overshoot is bounded by the
    /// operations in progress). Returns nil, dropping the record, when the journal failed or
    /// closed since: whoever waits for its durability is then told of the failure.
    @discardableResult
    public func appendAdmitted(type: UInt8, payload: UnsafeRawBufferPointer) -> UInt64? {
        precondition(payload.count <= JournalRecord.payloadBytesMax, "an admitted record of \(payload.count) bytes")
        condition.lock()
        defer { condition.unlock() }
        guard failure == nil, !isClosing else { return nil }
        return enqueue(type: type, payload: payload)
    }

    /// Segment files in the journal's directory now; each snapshot lets older ones go.
    public var segmentFileCount: Int { (try? JournalSegment.list(in: directory).count) ?? 0 }

    /// The LSN of the last record appended: waiting for it covers every record appended so far.
    public var appendedThrough: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return nextLSN - 1
    }

    /// Calls `done` once every record through `lsn` counts as done under the journal's policy:
    /// synced under `fsync`, written to the operating system under `batch`, at once under `none`.
    /// Called on the writer's thread or at once; with the journal's failure if it stops first.
    public func whenDurable(through lsn: UInt64, _ done: @escaping @Sendable (Result<Void, JournalError>) -> Void) {
        condition.lock()
        if let failure {
            condition.unlock()
            done(.failure(failure))
            return
        }
        let doneThrough: UInt64
        switch durability {
        case .fsync: doneThrough = durableLSN
        case .batch: doneThrough = writtenLSN
        case .none: doneThrough = UInt64.max
        }
        guard lsn > doneThrough else {
            condition.unlock()
            done(.success(()))
            return
        }
        waiting.append((lsn, done))
        // Someone waits: the writer stops gathering, if it was.
        condition.signal()
        condition.unlock()
    }

    /// Why an append would be refused now; nil when it would be taken. Under `condition`.
    private func refusal() -> JournalError? {
        if let failure { return failure }
        if isClosing { return .closed }
        if let heldBack { return heldBack }
        guard pending.count < Self.pendingBytesMax, waiting.count < Self.waitingCallbacksMax else {
            return .backlogFull(pendingBytes: pending.count)
        }
        return nil
    }

    /// Hands out the next LSN and queues the record for the writer thread. Under `condition`.
    ///
    /// Only the first record after the writer took its batch wakes it, and none while it
    /// gathers: the writer takes everything queued meanwhile when it comes round. Signalling
    /// every record cost a futex call and a context switch per change.
    private func enqueue(type: UInt8, payload: UnsafeRawBufferPointer) -> UInt64 {
        let lsn = nextLSN
        nextLSN += 1
        let writerMayBeWaiting = pending.isEmpty && !isGathering
        JournalRecord.encode(lsn: lsn, type: type, payload: payload, into: &pending)
        if writerMayBeWaiting { condition.signal() }
        return lsn
    }

    /// ``append(type:payload:whenDurable:)`` for a payload in an array.
    @discardableResult
    public func append(
        type: UInt8,
        bytes: [UInt8],
        whenDurable done: (@Sendable (Result<Void, JournalError>) -> Void)? = nil
    ) throws(JournalError) -> UInt64 {
        let outcome: Result<UInt64, JournalError> = bytes.withUnsafeBytes { payload in
            do throws(JournalError) {
                return .success(try append(type: type, payload: payload, whenDurable: done))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// The LSN up to which every record is written and synced to disk.
    public var durableThrough: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return durableLSN
    }

    /// The LSN up to which a reader of the segment files (the PostgreSQL persister) may go:
    /// records synced to disk, or under `none`, which never syncs, records written to the
    /// operating system. Never a record a crash could take back while the reader kept it.
    public var readableThrough: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        if case .none = durability { return writtenLSN }
        return durableLSN
    }

    /// Writes and syncs everything appended so far, stops the writer thread and closes the
    /// segment. Appends after this throw ``JournalError/closed``.
    public func close() {
        condition.lock()
        isClosing = true
        condition.signal()
        while thread != nil { condition.wait() }
        condition.unlock()
    }

    private func writeLoop() {
        var batch: [UInt8] = []
        var wroteLastRound = false
        while true {
            condition.lock()
            // After a write that nobody waited for, gather for a moment; a waiter ends it early.
            if wroteLastRound, waiting.isEmpty, !isClosing {
                isGathering = true
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.gatheringInterval))
                isGathering = false
            }
            while pending.isEmpty && !isClosing && !syncIsDue() {
                if case .batch(let interval) = durability, writtenLSN > durableLSN {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: interval.seconds))
                } else {
                    condition.wait()
                }
            }
            if pending.isEmpty && isClosing {
                condition.unlock()
                finishClosing()
                return
            }
            swap(&batch, &pending)
            wroteLastRound = !batch.isEmpty
            let closing = isClosing
            let batchFirstLSN = batchedThroughLSN + 1
            let batchLastLSN = nextLSN - 1
            batchedThroughLSN = batchLastLSN
            condition.unlock()

            var synced = false
            let result: Result<Void, JournalError>
            do throws(JournalError) {
                if !batch.isEmpty {
                    if segmentBytes >= segmentBytesMax || framesInSegment == EncryptedSegment.framesMax {
                        try rotate(firstLSN: batchFirstLSN)
                    }
                    if let segmentCipher {
                        frame.removeAll(keepingCapacity: true)
                        do {
                            try segmentCipher.seal(batch, number: framesInSegment, into: &frame)
                        } catch {
                            throw JournalError.failed("encrypting a batch: \(error)")
                        }
                        framesInSegment += 1
                        try JournalFiles.writeAll(segmentDescriptor, frame, path: segmentPath, faults: faults)
                        segmentBytes += frame.count
                    } else {
                        try JournalFiles.writeAll(segmentDescriptor, batch, path: segmentPath, faults: faults)
                        segmentBytes += batch.count
                    }
                    if let range = writeback?.wrote(segmentBytes: segmentBytes) {
                        JournalFiles.startWriteback(segmentDescriptor, range)
                    }
                    observer?.wrote(records: Int(batchLastLSN - batchFirstLSN + 1), bytes: segmentCipher == nil ? batch.count : frame.count)
                }
                switch durability {
                case .fsync:
                    synced = true
                case .batch(let interval):
                    synced = closing || ContinuousClock.now - lastSync >= interval
                case .none:
                    synced = false
                }
                if synced {
                    let syncStarted = ContinuousClock.now
                    try JournalFiles.sync(segmentDescriptor, path: segmentPath, faults: faults)
                    lastSync = .now
                    observer?.synced(in: lastSync - syncStarted)
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            batch.removeAll(keepingCapacity: true)
            complete(through: batchLastLSN, synced: synced, result: result)
        }
    }

    /// Records written are now durable (or the journal failed): wake whoever waits for them.
    private func complete(through lsn: UInt64, synced: Bool, result: Result<Void, JournalError>) {
        condition.lock()
        var ready: [@Sendable (Result<Void, JournalError>) -> Void] = []
        switch result {
        case .success:
            writtenLSN = max(writtenLSN, lsn)
            if synced { durableLSN = writtenLSN }
            let doneThrough = if case .fsync = durability { durableLSN } else { writtenLSN }
            var kept: [(lsn: UInt64, done: @Sendable (Result<Void, JournalError>) -> Void)] = []
            for entry in waiting {
                if entry.lsn <= doneThrough { ready.append(entry.done) } else { kept.append(entry) }
            }
            waiting = kept
        case .failure(let error):
            failure = failure ?? .failed(error.description)
            ready = waiting.map(\.done)
            waiting.removeAll()
        }
        condition.unlock()
        for done in ready { done(result) }
    }

    private func syncIsDue() -> Bool {
        guard case .batch(let interval) = durability else { return false }
        return writtenLSN > durableLSN && ContinuousClock.now - lastSync >= interval
    }

    private func finishClosing() {
        let synced = (try? JournalFiles.sync(segmentDescriptor, path: segmentPath, faults: faults)) != nil
        condition.lock()
        if synced { durableLSN = writtenLSN }
        thread = nil
        condition.broadcast()
        condition.unlock()
    }

    private func rotate(firstLSN: UInt64) throws(JournalError) {
        try JournalFiles.sync(segmentDescriptor, path: segmentPath, faults: faults)
        Glibc.close(segmentDescriptor)
        (segmentPath, segmentDescriptor, segmentCipher, segmentBytes) = try Self.createSegment(
            in: directory, firstLSN: firstLSN, encryption: encryption, faults: faults)
        framesInSegment = 0
        if writeback != nil { writeback = WritebackSchedule(segmentBytes: segmentBytes) }
        observer?.startedSegment()
    }

    /// Creates a segment, encrypted under the current key when keys are given, with its header
    /// synced; returns its path, descriptor, cipher and size.
    private static func createSegment(
        in directory: String, firstLSN: UInt64, encryption: EncryptionKeys?, faults: StorageFaults?
    ) throws(JournalError) -> (String, Int32, EncryptedSegment.Cipher?, Int) {
        var header = JournalSegment.header
        var cipher: EncryptedSegment.Cipher?
        if let encryption {
            do {
                (header, cipher) = try EncryptedSegment.makeHeader(encryption)
            } catch {
                throw .failed("making an encrypted segment header: \(error)")
            }
        }
        let path = directory + "/" + JournalSegment.fileName(firstLSN: firstLSN)
        let descriptor = try JournalFiles.openForAppend(path, create: true)
        try JournalFiles.writeAll(descriptor, header, path: path, faults: faults)
        try JournalFiles.sync(descriptor, path: path, faults: faults)
        try JournalFiles.syncDirectory(directory, faults: faults)
        return (path, descriptor, cipher, header.count)
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
