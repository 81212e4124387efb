import Synchronization

/// A fixed-size array of 64-bit atomic words, allocated and initialized once.
///
/// `Atomic` cannot live in a Swift `Array` (it is not copyable), so the words sit in allocated
/// memory whose address never changes. This is a plain value over a pointer: copies are views
/// and cost no reference counting, which matters on paths that run millions of times a second
/// on several threads (a retain is an atomic increment on a shared header). The object that
/// allocates the words calls ``deallocate()`` in its `deinit`; no copy may outlive it.
/// `@unchecked Sendable` because every word is only ever read or written atomically.
struct AtomicWords: @unchecked Sendable {
    let count: Int
    private let elements: UnsafeMutablePointer<Atomic<UInt64>>

    init(count: Int, initialValue: UInt64 = 0) {
        self.count = count
        elements = .allocate(capacity: max(count, 1))
        for index in 0..<count {
            (elements + index).initialize(to: Atomic(initialValue))
        }
    }

    /// Frees the words; called once, by their owner's `deinit`.
    func deallocate() {
        elements.deinitialize(count: count)
        elements.deallocate()
    }

    /// A relaxed load: for words whose ordering some other atomic operation provides.
    func load(_ index: Int) -> UInt64 {
        elements[index].load(ordering: .relaxed)
    }

    /// A load that sees every write made before the store or exchange it reads from.
    func loadAcquiring(_ index: Int) -> UInt64 {
        elements[index].load(ordering: .acquiring)
    }

    func store(_ index: Int, _ value: UInt64) {
        elements[index].store(value, ordering: .relaxed)
    }

    /// A store that publishes every write made before it to an acquiring load that reads it.
    func storeReleasing(_ index: Int, _ value: UInt64) {
        elements[index].store(value, ordering: .releasing)
    }

    /// Replaces `expected` with `desired`; returns whether it did, and the value it found.
    func compareExchange(_ index: Int, expected: UInt64, desired: UInt64) -> (exchanged: Bool, original: UInt64) {
        elements[index].compareExchange(expected: expected, desired: desired, ordering: .acquiringAndReleasing)
    }

    /// The object whose reference bits the word holds, unretained, or nil while it holds 0.
    func reference<Object: AnyObject>(_ index: Int, as type: Object.Type = Object.self) -> Unmanaged<Object>? {
        UnsafeRawPointer(bitPattern: UInt(loadAcquiring(index))).map { Unmanaged.fromOpaque($0) }
    }

    /// A reference's bit pattern, for storing in a word.
    static func bits<Object: AnyObject>(of reference: Unmanaged<Object>) -> UInt64 {
        UInt64(UInt(bitPattern: reference.toOpaque()))
    }

    /// Adds one, wrapping; the new value is visible to acquiring loads with what came before.
    func increment(_ index: Int) {
        elements[index].wrappingAdd(1, ordering: .acquiringAndReleasing)
    }

    /// Adds one, wrapping, and returns the value before; no ordering beyond the word itself.
    func fetchIncrement(_ index: Int) -> UInt64 {
        elements[index].wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// A load placed in the single order all threads agree on, with ``fetchSetBits(_:_:)`` and
    /// ``fetchClearBits(_:_:)``: for a check that must see a write made before another thread's
    /// read of a word this thread just wrote.
    func loadSequentiallyConsistent(_ index: Int) -> UInt64 {
        elements[index].load(ordering: .sequentiallyConsistent)
    }

    /// Sets `mask`'s bits and returns the word as it was, sequentially consistent.
    @discardableResult
    func fetchSetBits(_ index: Int, _ mask: UInt64) -> UInt64 {
        elements[index].bitwiseOr(mask, ordering: .sequentiallyConsistent).oldValue
    }

    /// Clears `mask`'s bits and returns the word as it was, sequentially consistent.
    @discardableResult
    func fetchClearBits(_ index: Int, _ mask: UInt64) -> UInt64 {
        elements[index].bitwiseAnd(~mask, ordering: .sequentiallyConsistent).oldValue
    }

    func setBits(_ index: Int, _ mask: UInt64) {
        elements[index].bitwiseOr(mask, ordering: .releasing)
    }

    func clearBits(_ index: Int, _ mask: UInt64) {
        elements[index].bitwiseAnd(~mask, ordering: .releasing)
    }
}
