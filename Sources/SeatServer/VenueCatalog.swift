import NIOConcurrencyHelpers
import SeatInventory
import SeatJournal

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

    /// The catalog a journal and snapshot recovered.
    public init(recovered: DurableState) {
        state.withLockedValue { state in
            state.layouts = recovered.layouts.map { Layout(id: $0.id, layout: $0.layout, json: $0.json) }
            for (show, layout) in recovered.showLayouts.enumerated() { state.layoutOfShow[UInt32(show)] = layout }
        }
    }

    /// Adds a validated layout; nil when ``layoutsMax`` layouts exist. `adding` is told the
    /// new layout's id under the catalog's lock, so a journal sees layouts in id order.
    public func add(_ layout: SeatLayout, json: [UInt8], adding: (Layout) -> Void = { _ in }) -> UInt32? {
        state.withLockedValue { state in
            guard state.layouts.count < Self.layoutsMax else { return nil }
            let entry = Layout(id: UInt32(state.layouts.count), layout: layout, json: json)
            adding(entry)
            state.layouts.append(entry)
            return entry.id
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
