import Foundation
import SeatInventory

/// The server's clock: wall-clock milliseconds, which clients understand, mapped onto the
/// engine's 38-bit timestamps by counting from ``epochUnixMilliseconds``.
///
/// Wall-clock rather than monotonic because deadlines travel to clients and, with the journal,
/// across restarts. The engine's range from this epoch lasts until mid-2033
/// (``InventoryLimits/timestampMillisecondsMax``); the epoch will move before then, with a
/// protocol version that says so.
public struct ServerClock: Sendable {
    /// 2025-01-01T00:00:00Z.
    public static let epochUnixMilliseconds: UInt64 = 1_735_689_600_000

    /// Reads the time; replaced in tests.
    let readUnixMilliseconds: @Sendable () -> UInt64

    public init(readUnixMilliseconds: @escaping @Sendable () -> UInt64 = ServerClock.systemUnixMilliseconds) {
        self.readUnixMilliseconds = readUnixMilliseconds
    }

    public static let systemUnixMilliseconds: @Sendable () -> UInt64 = {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec) / 1_000_000
    }

    public var nowUnixMilliseconds: UInt64 { readUnixMilliseconds() }

    public var now: Timestamp { timestamp(unixMilliseconds: nowUnixMilliseconds) }

    public func timestamp(unixMilliseconds: UInt64) -> Timestamp {
        Timestamp(milliseconds: unixMilliseconds &- min(unixMilliseconds, Self.epochUnixMilliseconds))
    }

    public func unixMilliseconds(_ timestamp: Timestamp) -> UInt64 {
        timestamp.milliseconds + Self.epochUnixMilliseconds
    }
}
