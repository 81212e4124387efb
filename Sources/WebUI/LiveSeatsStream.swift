import BoxOfficeEdge
import Catalog
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /showtimes/{id}/live`: a showtime's seat changes as server-sent events, for the seat
/// map. One listener per open page on the instance's single subscription to the seat server;
/// a burst of changes is read once (the signal buffers only its newest value) and sent as the
/// seats that differ from what this page last got, so a slow page never queues more than
/// one event. A stream lasts at most ``lifetime``, ends when the server shuts down, and sends a
/// keep-alive comment every ``keepAliveInterval``; the browser then reconnects with the last
/// event's id and is sent only what changed since, when this instance still has the seats of
/// that id (``RecentSeatMaps``). Showtimes too large for the page to draw are not streamed.
struct LiveSeatsStream: Sendable {
    static let lifetime: Duration = .seconds(600)
    static let keepAliveInterval: Duration = .seconds(15)

    let catalog: CatalogService
    let recent = RecentSeatMaps()

    static let full = Problem(
        .serviceUnavailable, code: "live_seats_full", title: "Too many seat maps are open",
        detail: "The map still works: reload it in a moment for live updates.", headers: [.retryAfter: "15"])

    func addRoutes(to router: Router<BoxOfficeRequestContext>) {
        router.get("showtimes/{showtimeId}/live") { request, context -> Response in
            let id = try context.parameters.require("showtimeId")
            guard Identifiers.isGenerated(id) else { throw CatalogError.showtimeNotFound }
            let (seating, _) = try await catalog.liveSeats(showtimeID: id)
            guard seating.layout.seatCount <= SeatMapDrawing.seatsDrawnMax else {
                throw WebError.notFound("This showtime's seats are not drawn as a map, so they are not streamed")
            }
            // Refused before the stream starts, so the browser sees why (and when to come back).
            guard await catalog.hasRoomForLiveSeats() else { throw Self.full }
            let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!]
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
                body: ResponseBody { writer in
                    do {
                        try await stream(showtimeID: id, show: seating.seatShowID, resumingFrom: lastEventID, to: &writer)
                    } catch is CatalogError {
                        // Too many pages open since the check above, or the seat server gone: the
                        // stream says so and ends (a body that throws would leave the page waiting);
                        // the browser comes back after the retry time.
                        try await writer.write(ByteBuffer(string: LiveSeatEvents.unavailable))
                    }
                    try await writer.finish(nil)
                })
        }
    }

    private func stream(
        showtimeID: String, show: UInt32, resumingFrom lastEventID: String?, to writer: inout any ResponseBodyWriter
    ) async throws {
        let catalog = self.catalog, recent = self.recent
        try await catalog.withSeatChanges(show: show) { changes, signal in
            var events = LiveSeatEvents(resumingFrom: lastEventID.flatMap { recent.codes(id: $0) })
            let deadline = ContinuousClock.now + Self.lifetime
            // Wakes the loop to send a keep-alive (and to notice the deadline) when nothing changes.
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.keepAliveInterval)
                    signal.yield()
                }
            }
            defer { ticker.cancel() }
            try await withGracefulShutdownHandler {
                signal.yield()  // the first event: every seat, or what changed since the page's last event
                for await _ in changes {
                    guard ContinuousClock.now < deadline else { break }
                    let text: String
                    do {
                        let (_, reading) = try await catalog.liveSeats(showtimeID: showtimeID)
                        if let event = events.event(for: reading.availability, id: reading.version) {
                            text = event
                            if let sent = events.sent { recent.keep(sent, id: reading.version) }
                        } else {
                            text = LiveSeatEvents.keepAlive
                        }
                    } catch CatalogError.showtimeCancelled {
                        try await writer.write(ByteBuffer(string: LiveSeatEvents.gone))
                        return
                    }
                    try await writer.write(ByteBuffer(string: text))
                }
            } onGracefulShutdown: {
                signal.finish()
            }
        }
    }
}
