import SeatMaps
import NIOCore
import NIOPosix
import SeatInventory

/// A showtime with its show and seat layout in the seat server.
public struct ShowtimeSeating: Sendable {
    public let showtime: Showtime
    public let seatShowID: UInt32
    public let layout: SeatLayout
    /// Its theatre, as the catalog stands.
    public let theatre: Theatre

    /// The theatre's cancellation terms, as they stand when the seats are sold.
    public var cancellationPolicy: CancellationPolicy { theatre.cancellationPolicy }
}

extension CatalogService {
    /// A showtime's seat map as JSON, with the version of the seats it shows (it changes with
    /// every hold, sale and release).
    ///
    /// The seats come from the seat server's live feed, so this is a lookup unless they changed
    /// since the last reading, when the map is rendered again from its cached layout.
    public func seatMap(showtimeID: String) async throws -> (body: ByteBuffer, version: String) {
        let layout = try await seatMapLayout(showtimeID)
        guard layout.showtime.status == .scheduled else { throw CatalogError.showtimeCancelled }
        let reading = try await seats.availability(show: layout.seatShowID)
        if let rendered = seatMaps.entry(showtimeID)?.rendered, rendered.version == reading.version {
            return (rendered.body, rendered.version)
        }
        let body = try layout.render(reading.availability)
        seatMaps.store(rendered: body, version: reading.version, for: showtimeID)
        return (body, reading.version)
    }

    /// What selling a showtime's seats needs: the showtime (prices, status, start) and its show
    /// and layout in the seat server. Kept with the seat map's cached layout.
    public func seating(showtimeID: String) async throws -> ShowtimeSeating {
        let layout = try await seatMapLayout(showtimeID)
        return ShowtimeSeating(showtime: layout.showtime, seatShowID: layout.seatShowID, layout: layout.screen.seatLayout,
                               theatre: layout.theatre)
    }

    /// A showtime's seating with its seats' states as the live feed last heard them (the web
    /// page draws its map from these).
    public func liveSeats(showtimeID: String) async throws -> (seating: ShowtimeSeating, seats: LiveAvailability.Reading) {
        let seating = try await seating(showtimeID: showtimeID)
        guard seating.showtime.status == .scheduled else { throw CatalogError.showtimeCancelled }
        return (seating, try await seats.availability(show: seating.seatShowID))
    }

    /// Live seat maps open on this instance now.
    public func liveSeatMapsOpen() async -> Int {
        await seats.listeners()
    }

    /// Whether another live seat map can be opened on this instance now.
    public func hasRoomForLiveSeats() async -> Bool {
        await seats.hasRoomForListener()
    }

    /// Runs `body` with a stream that signals whenever the show's seats may have changed (the
    /// live seat map's feed), and stops listening when it returns.
    public func withSeatChanges<Result: Sendable>(
        show: UInt32, _ body: (AsyncStream<Void>, AsyncStream<Void>.Continuation) async throws -> Result
    ) async throws -> Result {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = try await seats.listen(show: show, continuation)
        do {
            let result = try await body(stream, continuation)
            await seats.stopListening(show: show, id: id)
            return result
        } catch {
            await seats.stopListening(show: show, id: id)
            throw error
        }
    }

    private func seatMapLayout(_ showtimeID: String) async throws -> SeatMapLayout {
        try await seatMaps.layout(showtimeID) { try await self.buildSeatMapLayout(showtimeID) }
    }

    /// Reads the showtime and its theatre, and takes the screen's seat map from the cache (built
    /// on first use, off Swift's cooperative pool: a stadium's takes about a second of CPU).
    private func buildSeatMapLayout(_ showtimeID: String) async throws -> SeatMapLayout {
        let (showtimeRow, theatreRow) = try await database.withReadSession { session in
            guard let showtime = try await CatalogRecords.find(CatalogRecords.ShowtimeRow.self, in: "showtimes", id: showtimeID, on: session)
            else { throw CatalogError.showtimeNotFound }
            guard let theatre = try await CatalogRecords.find(CatalogRecords.TheatreRow.self, in: "theatres", id: showtime.theatreId, on: session)
            else { throw CatalogError.theatreNotFound }
            return (showtime, theatre)
        }
        guard let seatShowID = UInt32(exactly: showtimeRow.seatShowId) else { throw CatalogError.notInSeatServer }
        let screenID = showtimeRow.screenId
        let screen = try await seatMaps.screen(screenID) {
            let row = try await self.database.withReadSession { session in
                try await CatalogRecords.find(CatalogRecords.ScreenRow.self, in: "screens", id: screenID, on: session)
            }
            guard let row else { throw CatalogError.screenNotFound }
            return try await NIOThreadPool.singleton.runIfActive { try ScreenSeatMap(screenName: row.name, layoutJSON: row.layout) }
        }
        return SeatMapLayout(showtime: try showtimeRow.showtime(), seatShowID: seatShowID,
                             theatre: try theatreRow.theatre(), screen: screen)
    }
}
