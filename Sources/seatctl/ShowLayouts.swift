import Foundation
import SeatClient
import SeatInventory
import SeatProtocol

/// Fetches the layout of a show, to turn seat labels into indices and draw seat maps.
func layout(ofShow show: UInt32, on connection: SeatConnection) async throws -> SeatLayout {
    guard let summary = try await connection.shows().first(where: { $0.show == show }) else {
        throw SeatctlError("unknown show \(show)")
    }
    let json = try await connection.layout(summary.layout)
    return try SeatLayout(document: JSONDecoder().decode(LayoutDocument.self, from: Data(json)))
}

/// Seat indices for labels such as "H12" (case ignored), or for plain indices; a label that
/// matches nothing is refused with the labels it may have meant.
func seatIndices(_ labels: [String], in layout: SeatLayout) throws -> [UInt32] {
    try labels.map { label in
        if let seat = layout.seat(typed: label) { return seat.rawValue }
        if let index = UInt32(label), Int(index) < layout.seatCount { return index }
        let near = layout.labels(near: label)
        throw SeatctlError(
            "no seat \"\(label)\" in \(layout.name)" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?"))
    }
}

func labels(_ seats: [UInt32], in layout: SeatLayout) -> String {
    seats.map { layout.label(of: SeatIndex($0)) }.joined(separator: " ")
}

/// "hold H-14000018 on H11 H12 until …", as `hold` and `hold-best` print it (the id is what `confirm` takes).
func describe(_ held: HoldReply, in layout: SeatLayout) -> String {
    "hold \(reference(held.hold)) on \(labels(held.seats, in: layout)) until \(Date(unixMilliseconds: held.deadlineMilliseconds))"
}

/// An id from the server in its textual form (a raw number only if the server sent an impossible id).
func reference(_ raw: UInt64) -> String {
    ReservationReference(rawValue: raw).map { "\($0)" } ?? "\(raw)"
}

struct SeatctlError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
