/// Why a catalog operation was refused.
public enum CatalogError: Error, Equatable {
    case invalidField(field: String, message: String)
    case movieNotFound
    case theatreNotFound
    case screenNotFound
    case showtimeNotFound
    /// The showtime was cancelled: its seats are no longer for sale.
    case showtimeCancelled
    case theatreExists
    /// Another showtime holds the screen at that time.
    case screenBusy(showtimeID: String)
    /// The seat server refused (a layout it cannot read, say), with its reason.
    case seatServerRefused(String)
    /// The seat server refused the box office's key the role this takes (the catalog was given
    /// no admin key): a configuration fault, not the caller's.
    case seatServerKeyNotAllowed(String)
    /// The screen or showtime was imported without a layout or show in the seat server.
    case notInSeatServer
    /// The seat server could not be reached; nothing was changed.
    case seatServerUnavailable
}
