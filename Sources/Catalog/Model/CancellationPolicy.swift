/// When a theatre lets a booking be cancelled, and what it keeps.
public struct CancellationPolicy: Sendable, Equatable, Codable {
    /// Cancelling closes this long before the showtime starts.
    public var cutoffMinutes: Int
    /// What the theatre keeps, in hundredths of a percent of the total (1,000 = 10 %).
    public var feeBasisPoints: Int64

    public init(cutoffMinutes: Int = 120, feeBasisPoints: Int64 = 1_000) {
        self.cutoffMinutes = cutoffMinutes
        self.feeBasisPoints = feeBasisPoints
    }

    /// The policy's limits: a cut-off up to a week before the showtime, a fee up to everything.
    public static let cutoffMinutesMax = 7 * 24 * 60
    public static let feeBasisPointsMax: Int64 = 10_000

    /// The fee (rounded half up) and the refund for cancelling a booking that took `captured`, or nil when the
    /// cut-off has passed.
    public func terms(captured: Int64, startsAtMs: Int64, nowMs: Int64) -> (feeMinor: Int64, refundMinor: Int64)? {
        guard nowMs <= startsAtMs - Int64(cutoffMinutes) * 60_000 else { return nil }
        let fee = min(captured, (captured * feeBasisPoints + 5_000) / 10_000)
        return (fee, captured - fee)
    }
}
