import SeatClient
import SeatMaps
import SeatProtocol

/// What the catalog asks of the seat server: screens' layouts, showtimes' shows and their seats.
public protocol SeatCore: Sendable {
    func defineLayout(json: [UInt8]) async throws(CatalogError) -> (layoutID: UInt32, seatCount: Int)
    func createShow(layoutID: UInt32) async throws(CatalogError) -> UInt32
    func cancelShow(_ showID: UInt32) async throws(CatalogError)
    /// The show's seats as the live feed last heard, with their version.
    func availability(show: UInt32) async throws(CatalogError) -> LiveAvailability.Reading
    /// Signals `continuation` when the show's seats may have changed (see
    /// ``LiveAvailability/listen(show:_:)``); returns the listener's id.
    func listen(show: UInt32, _ continuation: AsyncStream<Void>.Continuation) async throws(CatalogError) -> UInt64
    func stopListening(show: UInt32, id: UInt64) async
    /// Whether ``listen(show:_:)`` would take another listener now.
    func hasRoomForListener() async -> Bool
    /// Listeners open now, over every show.
    func listeners() async -> Int
}

/// The seat server reached through `SeatClient`, with a key of the admin role.
public struct SeatClientCore: SeatCore {
    /// The most seats one hold may take in a show the catalog creates.
    public static let seatsPerHoldMax: UInt16 = 10
    /// How long a hold lives before checkout must confirm or extend it.
    public static let holdLifetimeSeconds: UInt32 = 600

    let client: SeatClient
    /// The shows' seats, from a subscription connection: run it as a service of the application.
    public let live: LiveAvailability

    public init(client: SeatClient) {
        self.client = client
        live = LiveAvailability(connect: { () async throws(SeatClientError) -> SeatConnection in try await client.connect() })
    }

    public func defineLayout(json: [UInt8]) async throws(CatalogError) -> (layoutID: UInt32, seatCount: Int) {
        do {
            let defined = try await client.defineLayout(json: json)
            return (defined.layout, Int(defined.seatCount))
        } catch {
            throw Self.catalogError(error)
        }
    }

    public func createShow(layoutID: UInt32) async throws(CatalogError) -> UInt32 {
        do {
            return try await client.createShow(CreateShowRequest(
                layout: layoutID, seatsPerHoldMax: Self.seatsPerHoldMax, holdLifetimeSeconds: Self.holdLifetimeSeconds,
                forbidsSingleSeatGaps: true))
        } catch {
            throw Self.catalogError(error)
        }
    }

    public func cancelShow(_ showID: UInt32) async throws(CatalogError) {
        do { try await client.cancelShow(showID) } catch { throw Self.catalogError(error) }
    }

    public func availability(show: UInt32) async throws(CatalogError) -> LiveAvailability.Reading {
        do {
            return try await live.availability(show: show)
        } catch {
            // An unknown show too: the seat server lost it (a restore from an older backup), and
            // only an operator can bring it back.
            throw .seatServerUnavailable
        }
    }

    public func listen(show: UInt32, _ continuation: AsyncStream<Void>.Continuation) async throws(CatalogError) -> UInt64 {
        do { return try await live.listen(show: show, continuation) } catch { throw .seatServerUnavailable }
    }

    public func stopListening(show: UInt32, id: UInt64) async {
        await live.stopListening(show: show, id: id)
    }

    public func hasRoomForListener() async -> Bool {
        await live.hasRoomForListener
    }

    public func listeners() async -> Int {
        await live.listening
    }

    static func catalogError(_ error: SeatClientError) -> CatalogError {
        if case .refused(let reply) = error {
            return reply.code == .forbidden ? .seatServerKeyNotAllowed("\(reply)") : .seatServerRefused("\(reply)")
        }
        return .seatServerUnavailable
    }
}

/// The seat core when no seat server is configured: the catalog can be read and searched, but
/// screens and showtimes cannot be made, and say so.
public struct NoSeatServer: SeatCore {
    public init() {}
    public func defineLayout(json: [UInt8]) async throws(CatalogError) -> (layoutID: UInt32, seatCount: Int) {
        throw .seatServerUnavailable
    }
    public func createShow(layoutID: UInt32) async throws(CatalogError) -> UInt32 { throw .seatServerUnavailable }
    public func cancelShow(_ showID: UInt32) async throws(CatalogError) { throw .seatServerUnavailable }
    public func availability(show: UInt32) async throws(CatalogError) -> LiveAvailability.Reading {
        throw .seatServerUnavailable
    }
    public func listen(show: UInt32, _ continuation: AsyncStream<Void>.Continuation) async throws(CatalogError) -> UInt64 {
        throw .seatServerUnavailable
    }
    public func stopListening(show: UInt32, id: UInt64) async {}
    public func hasRoomForListener() async -> Bool { false }
    public func listeners() async -> Int { 0 }
}
