import SeatMaps

/// The live seat map's event stream, as text: the first event carries every seat's state
/// (`event: seats`), later ones only the seats that changed since the last one sent
/// (`event: change`), or every seat again when so many changed that a list would be longer.
/// Each event's id is the version of the seats it brings the page to, so a page that
/// reconnects (its `Last-Event-ID`) can be sent only what changed since. A value: it remembers
/// what it sent, so it is tested without a server.
struct LiveSeatEvents: Sendable {
    /// Above this many changed seats, sending them all is shorter than listing them.
    static let changesListedMax = 256
    /// How long the browser waits before reconnecting a dropped stream.
    static let retryMilliseconds = 3_000

    /// Each seat's state code as last sent, or nil before the first event.
    private(set) var sent: [UInt8]?

    /// - Parameter sent: the seats a reconnecting page already has (``RecentSeatMaps``); nil
    ///   to start with every seat.
    init(resumingFrom sent: [UInt8]? = nil) {
        self.sent = sent
    }

    /// The event bringing the browser up to `availability` (tagged `id`), or nil when nothing changed.
    mutating func event(for availability: SeatAvailability, id: String) -> String? {
        var codes = [UInt8]()
        codes.reserveCapacity(availability.seatCount)
        for seat in 0..<availability.seatCount { codes.append(availability.state(of: seat).code) }
        defer { sent = codes }
        guard let sent, sent.count == codes.count else {
            return "retry: \(Self.retryMilliseconds)\nevent: seats\nid: \(id)\ndata: {\"availability\":\"\(String(decoding: codes, as: UTF8.self))\"}\n\n"
        }
        var changes: [String] = []
        for seat in codes.indices where codes[seat] != sent[seat] {
            changes.append("[\(seat),\"\(Character(Unicode.Scalar(codes[seat])))\"]")
            if changes.count > Self.changesListedMax {
                return "event: seats\nid: \(id)\ndata: {\"availability\":\"\(String(decoding: codes, as: UTF8.self))\"}\n\n"
            }
        }
        guard !changes.isEmpty else { return nil }
        return "event: change\nid: \(id)\ndata: {\"seats\":[\(changes.joined(separator: ","))]}\n\n"
    }

    /// Ends the stream for a showtime no longer on sale.
    static let gone = "event: gone\ndata: {}\n\n"

    /// Ends a stream that cannot go on now (too many pages open, the seat server away): the
    /// page reconnects after ``retryMilliseconds``.
    static let unavailable = "retry: \(retryMilliseconds)\nevent: unavailable\ndata: {}\n\n"

    /// A comment line: keeps proxies from closing an idle stream, and finds closed connections.
    static let keepAlive = ": keep-alive\n\n"
}
