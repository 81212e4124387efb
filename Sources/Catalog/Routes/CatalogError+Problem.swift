import BoxOfficeEdge
import HTTPTypes

extension CatalogError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .invalidField(let field, let message): .validation(field: field, message)
        case .movieNotFound: .notFound("No such movie.")
        case .theatreNotFound: .notFound("No such theatre.")
        case .screenNotFound: .notFound("No such screen.")
        case .showtimeNotFound: .notFound("No such showtime.")
        case .showtimeCancelled:
            Problem(.gone, code: "showtime_cancelled", title: "This showtime was cancelled", detail: "Its seats are no longer for sale.")
        case .theatreExists: .conflict(code: "theatre_exists", title: "A theatre with this id exists")
        case .screenBusy(let showtimeID):
            .conflict(code: "screen_busy", title: "The screen is showing something else then",
                      detail: "Showtime \(showtimeID) overlaps, counting the time to clean the screen between showings.")
        case .seatServerRefused(let reason):
            Problem(.unprocessableContent, code: "seat_server_refused", title: "The seat server refused this", detail: reason)
        case .seatServerKeyNotAllowed(let reason):
            Problem(.serviceUnavailable, code: "seat_server_key_not_allowed", title: "The box office may not do this in the seat server",
                    detail: "\(reason). Nothing was changed; the box office needs a seatd admin key for this (--seatd-admin-key-file).")
        case .notInSeatServer:
            .conflict(code: "not_in_seat_server", title: "This was imported without seats",
                      detail: "The screen or showtime has no layout or show in the seat server; make it through the API to sell its seats.")
        case .seatServerUnavailable:
            Problem(.serviceUnavailable, code: "seat_server_unavailable", title: "The seat server cannot be reached",
                    detail: "Nothing was changed; try again.", headers: [.retryAfter: "5"])
        }
    }
}
