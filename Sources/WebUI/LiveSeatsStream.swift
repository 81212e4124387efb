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
/// one event. A stream lasts at most ``lifetime`` (the browser reconnects and starts afresh),
/// ends when the server shuts down, and sends a keep-alive comment every ``keepAliveInterval``.
struct LiveSeatsStream: Sendable {
    static let lifetime: Duration = .seconds(600)
    static let keepAliveInterval: Duration = .seconds(15)

    let catalog: CatalogService

    func addRoutes(to router: Router<BoxOfficeRequestContext>) {
        router.get("showtimes/{showtimeId}/live") { _, context -> Response in
            let id = try context.parameters.require("showtimeId")
            guard Identifiers.isGenerated(id) else { throw CatalogError.showtimeNotFound }
            let (seating, _) = try await catalog.liveSeats(showtimeID: id)
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
                body: ResponseBody { writer in
                    try await stream(showtimeID: id, show: seating.seatShowID, to: &writer)
                    try await writer.finish(nil)
                })
        }
    }

    private func stream(showtimeID: String, show: UInt32, to writer: inout any ResponseBodyWriter) async throws {
        let catalog = self.catalog
        try await catalog.withSeatChanges(show: show) { changes, signal in
            var events = LiveSeatEvents()
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
                signal.yield()  // the first event: every seat
                for await _ in changes {
                    guard ContinuousClock.now < deadline else { break }
                    let text: String
                    do {
                        let (_, reading) = try await catalog.liveSeats(showtimeID: showtimeID)
                        text = events.event(for: reading.availability) ?? LiveSeatEvents.keepAlive
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
