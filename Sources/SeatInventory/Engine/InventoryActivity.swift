/// Changes the engine counts (``InventoryEngine/count(of:)``), each once, when it happens.
public enum InventoryActivity: Int, CaseIterable, Sendable {
    /// Holds placed, by seat or best available.
    case holds
    case confirmations
    /// Holds ended early by their holder.
    case releases
    /// Extensions that moved a deadline.
    case extensions
    /// Bookings cancelled.
    case cancellations
    /// Holds that reached their deadline, found by the sweep or by an operation on them.
    case expiries
    /// Holds undone because another operation of their atomic batch was refused
    /// (``InventoryEngine/rollBack(_:at:)``): placed and counted in ``holds``, then undone.
    case rolledBackHolds
}

extension InventoryActivity {
    /// What a seat change counts as.
    init(_ change: SeatChange.Kind) {
        switch change {
        case .held: self = .holds
        case .confirmed: self = .confirmations
        case .released: self = .releases
        case .expired: self = .expiries
        case .cancelled: self = .cancellations
        }
    }
}
