import Foundation
import SeatInventory

/// Everything the journal and snapshots keep: the layouts as defined, the layout of each show,
/// and the engine's image. Recovery builds it from a snapshot and the journal; the server then
/// loads it into its catalog and engine.
public struct DurableState: Sendable {
    public struct Layout: Sendable {
        public let id: UInt32
        /// The document as it was defined, byte for byte.
        public let json: [UInt8]
        public let layout: SeatLayout

        public init(id: UInt32, json: [UInt8], layout: SeatLayout) {
            self.id = id
            self.json = json
            self.layout = layout
        }

        /// Parses and validates a layout document.
        public init(id: UInt32, json: [UInt8]) throws(DurableStateError) {
            let document: LayoutDocument
            do {
                document = try JSONDecoder().decode(LayoutDocument.self, from: Data(json))
            } catch {
                throw .invalidLayout(id: id, "\(error)")
            }
            do {
                self.init(id: id, json: json, layout: try SeatLayout(document: document))
            } catch {
                throw .invalidLayout(id: id, error.description)
            }
        }
    }

    public var layouts: [Layout] = []
    /// The layout id of each show, by show id.
    public var showLayouts: [UInt32] = []
    public var image: InventoryImage
    /// API keys created through the protocol, revoked ones included, by id.
    public var apiKeys: [StoredAPIKey] = []
    /// How many remembered idempotent requests replay keeps at most, twice over
    /// (``InventoryImage/rememberIdempotent(_:keysMax:)``): the engine's own limit.
    public var idempotencyKeysMax = InventoryLimits.idempotencyKeysMax

    /// An empty state for an engine of `configuration`.
    public init(configuration: InventoryConfiguration) {
        image = InventoryImage(configuration: configuration)
        idempotencyKeysMax = configuration.idempotencyKeysMax
    }

    public init(layouts: [Layout], showLayouts: [UInt32], image: InventoryImage, apiKeys: [StoredAPIKey] = []) {
        self.layouts = layouts
        self.showLayouts = showLayouts
        self.image = image
        self.apiKeys = apiKeys
    }

    /// Applies one journal record. A record the state already reflects (it follows a snapshot
    /// taken while the record was being made) is skipped, unless `strict`: after the records a
    /// snapshot may overlap, every record must apply, or the journal does not describe this state.
    public mutating func apply(_ record: EngineRecord, strict: Bool) throws(DurableStateError) {
        let applied: Bool
        do {
            switch record {
            case .layoutDefined(let id, let json):
                guard Int(id) >= layouts.count else {
                    applied = false
                    break
                }
                guard Int(id) == layouts.count else { throw DurableStateError.layoutOutOfOrder(id: id, expected: UInt32(layouts.count)) }
                layouts.append(try Layout(id: id, json: json))
                applied = true
            case .showCreated(let show, let layoutID, let rules):
                guard Int(show.rawValue) >= image.shows.count else {
                    applied = false
                    break
                }
                guard Int(layoutID) < layouts.count else { throw DurableStateError.unknownLayout(id: layoutID, show: show) }
                try image.addShow(show, InventoryImage.Show(layout: layouts[Int(layoutID)].layout, rules: rules))
                showLayouts.append(layoutID)
                applied = true
            case .showCancelled(let show):
                try image.cancelShow(show)
                applied = true
            case .held(let change, let seats, let deadline, let lifetimeCap):
                applied = try image.applyHold(change, seats: seats, deadline: deadline, lifetimeCap: lifetimeCap)
            case .ended(let change), .confirmed(let change, _):
                applied = try image.applyEnding(change)
            case .extended(let hold, let deadline):
                // An extension is logged after it happened, so it may trail the hold's end.
                _ = try image.applyExtension(hold, deadline: deadline)
                applied = true
            case .apiKeyCreated(let key):
                // A key the snapshot already holds is skipped, as are layouts.
                if !apiKeys.contains(where: { $0.id == key.id }) { apiKeys.append(key) }
                applied = true
            case .apiKeyRevoked(let id, let at):
                guard let index = apiKeys.firstIndex(where: { $0.id == id }) else { throw DurableStateError.doesNotApply("revocation of unknown API key \(id)") }
                apiKeys[index].revokedAt = apiKeys[index].revokedAt ?? at
                applied = true
            case .idempotentOutcome(let entry):
                // A key the snapshot already holds keeps its place when the image is loaded.
                image.rememberIdempotent(entry, keysMax: idempotencyKeysMax)
                applied = true
            }
        } catch let error as ImageError {
            throw .image(error)
        } catch let error as DurableStateError {
            throw error
        } catch {
            preconditionFailure("unexpected \(error)")
        }
        if strict, !applied { throw .doesNotApply("\(record)") }
    }
}

/// Why recovered records do not make a state.
public enum DurableStateError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidLayout(id: UInt32, String)
    case layoutOutOfOrder(id: UInt32, expected: UInt32)
    case unknownLayout(id: UInt32, show: ShowID)
    case image(ImageError)
    /// The record contradicts the state before it.
    case doesNotApply(String)

    public var description: String {
        switch self {
        case .invalidLayout(let id, let reason): "layout \(id) does not parse: \(reason)"
        case .layoutOutOfOrder(let id, let expected): "layout \(id) is defined where layout \(expected) was expected"
        case .unknownLayout(let id, let show): "\(show) names unknown layout \(id)"
        case .image(let error): error.description
        case .doesNotApply(let record): "\(record) does not apply to the state before it"
        }
    }
}
