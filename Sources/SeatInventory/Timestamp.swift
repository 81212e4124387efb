/// A point on the engine's clock, in milliseconds since an origin the host chooses.
///
/// The engine never reads a clock itself: every operation that can observe time takes `now`,
/// so the host injects its clock (a monotonic one in production, a manual one in tests) and
/// expiry is tested without sleeping. Values above ``InventoryLimits/timestampMillisecondsMax``
/// are clamped.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: UInt64

    @inlinable
    public init(milliseconds: UInt64) {
        self.milliseconds = min(milliseconds, InventoryLimits.timestampMillisecondsMax)
    }

    @inlinable
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The timestamp `duration` later, rounded up to the next millisecond.
    @inlinable
    public func advanced(by duration: Duration) -> Timestamp {
        Timestamp(milliseconds: milliseconds &+ duration.wholeMillisecondsRoundedUp)
    }

    public var description: String { "t+\(milliseconds)ms" }
}

extension Duration {
    /// This duration in whole milliseconds, rounded up; 0 for negative durations, `UInt64.max`
    /// past it. Works on `attoseconds`: `components` costs three times as much, on every hold.
    @inlinable
    public var wholeMillisecondsRoundedUp: UInt64 {
        let attosecondsPerMillisecond: Int128 = 1_000_000_000_000_000
        let attoseconds = self.attoseconds
        guard attoseconds > 0 else { return 0 }
        return UInt64(clamping: (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond)
    }
}
