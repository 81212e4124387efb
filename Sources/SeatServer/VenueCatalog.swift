import NIOConcurrencyHelpers
import SeatInventory

/// The layouts the server knows and the layout of each show: what administration defines and
/// what clients read to turn seat labels into indices. Changed only by administration, so one
/// lock is enough; the seat path never touches it.
public final class VenueCatalog: Sendable {
    /// Layouts one server keeps; each can be large (a stadium's is megabytes of JSON).
    public static let layoutsMax = 4096

    public struct Layout: Sendable {
        public let id: UInt32
        public let layout: SeatLayout
        /// The document as it was defined, returned verbatim by LAYOUT.
        public let json: [UInt8]
    }

    private struct State {
        var layouts: [Layout] = []
        var layoutOfShow: [UInt32: UInt32] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Adds a validated layout; nil when ``layoutsMax`` layouts exist.
    public func add(_ layout: SeatLayout, json: [UInt8]) -> UInt32? {
        state.withLockedValue { state in
            guard state.layouts.count < Self.layoutsMax else { return nil }
            let id = UInt32(state.layouts.count)
            state.layouts.append(Layout(id: id, layout: layout, json: json))
            return id
        }
    }

    public func layout(_ id: UInt32) -> Layout? {
        state.withLockedValue { state in Int(id) < state.layouts.count ? state.layouts[Int(id)] : nil }
    }

    public func recordShow(_ show: ShowID, layout: UInt32) {
        state.withLockedValue { $0.layoutOfShow[show.rawValue] = layout }
    }

    public func layoutID(ofShow show: ShowID) -> UInt32? {
        state.withLockedValue { $0.layoutOfShow[show.rawValue] }
    }

    public var layoutCount: Int { state.withLockedValue { $0.layouts.count } }
}
