import Foundation
import SeatInventory
import SeatProtocol

/// Seats as people name them: labels in, labels out, over a screen's layout.
public enum SeatLabels {
    /// The seats `labels` name, matched without regard to case; throws naming every label that
    /// matches none (with the closest real one, when a typo away) or repeats.
    public static func resolve(_ labels: [String], in layout: SeatLayout) throws(BookingError) -> [UInt32] {
        var seats: [UInt32] = []
        var unknown: [UnknownSeat] = []
        for label in labels {
            let normalized = label.trimmingCharacters(in: .whitespaces).uppercased()
            if let seat = layout.seat(labelled: normalized) ?? layout.seat(labelled: label) {
                guard !seats.contains(UInt32(seat.value)) else {
                    throw .invalidField("/seats", "\(label) is listed twice")
                }
                seats.append(UInt32(seat.value))
            } else {
                unknown.append(UnknownSeat(label: label, suggestion: closestLabel(to: normalized, in: layout)))
            }
        }
        guard unknown.isEmpty else { throw .unknownSeats(unknown) }
        return seats
    }

    /// The first label of the same row letter one edit (a character changed, added, dropped, or
    /// two swapped) from `label`, if any. The row letter must match: "Q1" suggesting "A1" would
    /// send someone to the other end of the room. O(seats × label length): layouts have at most
    /// a few thousand seats.
    static func closestLabel(to label: String, in layout: SeatLayout) -> String? {
        let wanted = Array(label.utf8)
        guard let first = wanted.first, wanted.count <= 16 else { return nil }
        for index in 0..<layout.seatCount {
            let candidate = Array(layout.label(of: SeatIndex(index)).uppercased().utf8)
            if candidate.first == first && isOneEditApart(wanted, candidate) { return layout.label(of: SeatIndex(index)) }
        }
        return nil
    }

    static func isOneEditApart(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        if left.count == right.count {
            let differences = left.indices.filter { left[$0] != right[$0] }
            if differences.count == 1 { return true }
            return differences.count == 2 && differences[1] == differences[0] + 1
                && left[differences[0]] == right[differences[1]] && left[differences[1]] == right[differences[0]]
        }
        let (short, long) = left.count < right.count ? (left, right) : (right, left)
        guard long.count == short.count + 1 else { return false }
        var skipped = false
        var shortIndex = 0
        for byte in long {
            if shortIndex < short.count && short[shortIndex] == byte {
                shortIndex += 1
            } else if skipped {
                return false
            } else {
                skipped = true
            }
        }
        return true
    }

    /// The seat server's refusal of a hold, in people's words, naming seats by label.
    public static func refusal(_ reply: ErrorReply, layout: SeatLayout, seatsPerHoldMax: Int) -> BookingError {
        func label(_ detail: UInt64) -> String? {
            detail < UInt64(layout.seatCount) ? layout.label(of: SeatIndex(Int(detail))) : nil
        }
        switch reply.code {
        case .seatUnavailable:
            let seat = label(reply.detail) ?? "a seat"
            let why = switch reply.secondDetail {
            case 1: "is held by someone else"
            case 2: "is sold"
            case 3: "is not for sale"
            default: "is not available"
            }
            return .seatsRefused(code: "seat_unavailable", message: "\(seat) \(why).", seats: label(reply.detail).map { [$0] } ?? [])
        case .ruleViolated:
            let seat = label(reply.secondDetail)
            switch reply.detail {
            case 1:
                return .seatsRefused(code: "single_seat_gap",
                                     message: "\(seat ?? "A seat") would be left a single seat between others; choose seats without a gap of one.",
                                     seats: seat.map { [$0] } ?? [])
            case 2:
                return .seatsRefused(code: "too_many_seats", message: "One order takes at most \(seatsPerHoldMax) seats.", seats: [])
            default:
                return .seatsRefused(code: "seating_rule", message: "\(seat ?? "A seat") breaks a seating rule of this show.",
                                     seats: seat.map { [$0] } ?? [])
            }
        case .noBlockAvailable:
            let message = switch reply.detail {
            case 1: "No seat matches what you asked for."
            case 2: "Only \(reply.secondDetail) seats are left."
            case 3: "Not that many seats are left together; the largest block is \(reply.secondDetail)."
            case 4: "Every block of seats left would leave a single seat alone; try another number of seats."
            default: "Seats are selling fast; try again."
            }
            return .seatsRefused(code: "no_seats_together", message: message, seats: [])
        case .unknownCategory:
            return .invalidField("/category", "this screen has no such seat category")
        case .showCancelled:
            return .showtimeCancelled
        case .unknownShow:
            return .notOnSale
        case .unknownSeat:
            return .invalidField("/seats", "seat \(reply.detail) is not on this screen")
        default:
            return .seatsRefused(code: "seat_server_refused", message: reply.message, seats: [])
        }
    }
}
