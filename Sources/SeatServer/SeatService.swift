import Foundation
import SeatInventory
import SeatJournal
import SeatProtocol

/// Runs requests against the engine and the catalog and says what to answer. Knows nothing of
/// connections: subscriptions, which belong to a connection, are the handler's.
public final class SeatService: Sendable {
    public let engine: InventoryEngine
    public let catalog: VenueCatalog
    public let clock: ServerClock
    public let statistics: ServerStatistics
    /// The engine's change log, when changes are journaled: answers to changes wait for it.
    public let journal: EngineJournal?
    /// Takes snapshots on request, when the server keeps a data directory.
    public let snapshotter: Snapshotter?
    /// The API keys admins manage over the protocol; nil when the server takes only the keys it
    /// was started with.
    public let apiKeys: APIKeyStore?
    /// Snapshots on request run here, one at a time, never on an event loop.
    private let snapshotQueue = DispatchQueue(label: "snapshots-on-request")
    /// SEAT_MAP replies kept per show version.
    private let seatMaps = SeatMapCache(stateBytesMax: SeatService.seatMapCacheBytesMax)
    /// The state bytes of every show's map kept together: 256 MiB is a thousand stadiums' maps
    /// at their longest.
    public static let seatMapCacheBytesMax = 256 << 20
    /// The top 24 bits of every SEAT_MAP version, drawn at start: a version a client kept from
    /// an earlier run of the server, whose counts started again, does not match by accident.
    private let seatMapEpoch = UInt64.random(in: 1..<(1 << 24)) << 40

    public init(
        engine: InventoryEngine, catalog: VenueCatalog, clock: ServerClock, statistics: ServerStatistics,
        journal: EngineJournal? = nil, snapshotter: Snapshotter? = nil, apiKeys: APIKeyStore? = nil
    ) {
        self.apiKeys = apiKeys
        self.engine = engine
        self.catalog = catalog
        self.clock = clock
        self.statistics = statistics
        self.journal = journal
        self.snapshotter = snapshotter
    }

    /// Takes a snapshot off the event loops and calls `done` with the answer, on another thread.
    public func takeSnapshot(_ done: @escaping @Sendable (Result<Response, ErrorReply>) -> Void) {
        guard let snapshotter else {
            done(.failure(ErrorReply(.storageUnavailable, message: "this server keeps no data directory to snapshot into")))
            return
        }
        snapshotQueue.async {
            do {
                let report = try snapshotter.takeSnapshot()
                func microseconds(_ duration: Duration) -> UInt64 { UInt64(duration / .microseconds(1)) }
                done(
                    .success(
                        .snapshotTaken(
                            SnapshotReply(
                                startLSN: report.startLSN, endLSN: report.endLSN, bytes: UInt64(report.uncompressedBytes),
                                compressedBytes: UInt64(report.compressedBytes),
                                captureMicroseconds: microseconds(report.captureTime),
                                encodeMicroseconds: microseconds(report.encodeTime),
                                compressMicroseconds: microseconds(report.compressTime),
                                storeMicroseconds: microseconds(report.storeTime),
                                deletedSegments: UInt32(clamping: report.deletedSegments),
                                file: String(report.path.split(separator: "/").last ?? "")))))
            } catch {
                done(.failure(ErrorReply(.storageUnavailable, message: "snapshot failed: \(error)")))
            }
        }
    }

    /// Runs `request` (never HELLO, SUBSCRIBE or UNSUBSCRIBE, which the connection answers).
    public func execute(_ request: Request) -> Result<Response, ErrorReply> {
        let now = clock.now
        do {
            switch request {
            case .ping(let token):
                return .success(.pong(token: token, serverTimeMilliseconds: clock.nowUnixMilliseconds))
            case .stats:
                return .success(.stats(statisticsReply()))
            case .hold(let request):
                let hold = try engine.holdSeats(
                    atIndices: request.seats, in: ShowID(rawValue: request.show), for: .milliseconds(request.holdMilliseconds),
                    at: now, idempotencyKey: key(request.idempotencyKey))
                // Clients mostly send seats in order already: then the reply shares the request's array.
                let ascending = zip(request.seats, request.seats.dropFirst()).allSatisfy { $0 < $1 }
                return .success(.held(reply(hold, seats: ascending ? request.seats : request.seats.sorted())))
            case .holdBestAvailable(let request):
                let block = try engine.holdBestAvailable(
                    BestAvailableRequest(
                        count: Int(request.count), category: request.category, section: request.section,
                        accessible: request.accessible),
                    in: ShowID(rawValue: request.show), for: .milliseconds(request.holdMilliseconds), at: now,
                    idempotencyKey: key(request.idempotencyKey))
                return .success(.held(reply(block.hold, seats: block.seats.map { UInt32($0) })))
            case .confirm(let command):
                let booking = try engine.confirm(try holdID(command.id), at: now, idempotencyKey: key(command.idempotencyKey))
                return .success(.booked(booking: booking.rawValue))
            case .release(let command):
                try engine.release(try holdID(command.id), at: now, idempotencyKey: key(command.idempotencyKey))
                return .success(.done)
            case .extend(let request):
                let deadline = try engine.extend(
                    try holdID(request.hold), by: .milliseconds(request.holdMilliseconds), at: now,
                    idempotencyKey: key(request.idempotencyKey))
                return .success(.extended(deadlineMilliseconds: clock.unixMilliseconds(deadline)))
            case .cancelBooking(let command):
                try engine.cancel(try bookingID(command.id), at: now, idempotencyKey: key(command.idempotencyKey))
                return .success(.done)
            case .reservation(let id):
                return .success(.reservation(try reservation(id, at: now)))
            case .availability(let show):
                return .success(.availability(try availability(ShowID(rawValue: show))))
            case .seatMap(let show, let knownVersion):
                return .success(.seatMap(try seatMap(ShowID(rawValue: show), knownVersion: knownVersion)))
            case .listShows:
                return .success(.shows(showSummaries()))
            case .layout(let id):
                guard let layout = catalog.layout(id) else {
                    return .failure(ErrorReply(.unknownLayout, detail: UInt64(id), message: "unknown layout \(id)"))
                }
                return .success(.layout(id: id, json: layout.json))
            case .defineLayout(let json):
                return defineLayout(json: json)
            case .createShow(let request):
                return createShow(request)
            case .cancelShow(let show):
                try engine.cancelShow(ShowID(rawValue: show))
                return .success(.done)
            case .batch(let batch):
                return .success(.batch(execute(batch)))
            case .createAPIKey(let role, let name):
                let created = try keyStore().create(role: role, name: name, at: clock.nowUnixMilliseconds)
                return .success(.apiKeyIssued(id: created.id, role: role, key: created.secret))
            case .listAPIKeys:
                return .success(.apiKeys(try keyStore().list()))
            case .rotateAPIKey(let id):
                let rotated = try keyStore().rotate(id, at: clock.nowUnixMilliseconds)
                return .success(.apiKeyIssued(id: rotated.id, role: rotated.role, key: rotated.secret))
            case .revokeAPIKey(let id):
                try keyStore().revoke(id, at: clock.nowUnixMilliseconds)
                return .success(.done)
            case .hello, .subscribe, .unsubscribe, .snapshot:
                return .failure(ErrorReply(.internalError, message: "\(request.opcode) is answered by the connection"))
            }
        } catch let error as InventoryError {
            return .failure(ErrorReply(error, clock: clock, context: refusalContext(of: request)))
        } catch let error as ErrorReply {
            return .failure(error)
        } catch {
            return .failure(ErrorReply(.internalError, message: "\(error)"))
        }
    }

    /// The show a refused request concerns and the seats it asked for, so the refusal names
    /// seats by label and limits with their numbers. Looked up only once refused.
    private func refusalContext(of request: Request) -> RefusalContext {
        let (show, requestedSeats): (UInt32?, Int?) =
            switch request {
            case .hold(let hold): (hold.show, hold.seats.count)
            case .holdBestAvailable(let hold): (hold.show, Int(hold.count))
            case .availability(let show), .seatMap(let show, _), .cancelShow(let show): (show, nil)
            default: (nil, nil)
            }
        guard let show else { return RefusalContext() }
        let id = ShowID(rawValue: show)
        return RefusalContext(layout: try? engine.layout(of: id), rules: try? engine.rules(of: id), requestedSeats: requestedSeats)
    }

    private func keyStore() throws(ErrorReply) -> APIKeyStore {
        guard let apiKeys else {
            throw ErrorReply(.forbidden, message: "this server takes only the API keys it was started with")
        }
        return apiKeys
    }

    /// Each operation in order; an atomic batch (holds only) stops at the first refusal and
    /// releases the holds it placed, so either every hold stands or none does.
    func execute(_ batch: BatchRequest) -> [BatchResult] {
        var results: [BatchResult] = []
        for operation in batch.operations {
            switch execute(operation) {
            case .success(let response):
                results.append(.success(response))
            case .failure(let error):
                results.append(.failure(error))
                guard batch.isAtomic else { continue }
                for case .success(.held(let placed)) in results {
                    if let hold = HoldID(rawValue: placed.hold) { try? engine.rollBack(hold, at: clock.now) }
                }
                let aborted = ErrorReply(.batchAborted, message: "another operation of the atomic batch was refused")
                return results.indices.map { index in
                    index == results.count - 1 ? .failure(error) : .failure(aborted)
                } + Array(repeating: .failure(aborted), count: batch.operations.count - results.count)
            }
        }
        return results
    }

    private func defineLayout(json: [UInt8]) -> Result<Response, ErrorReply> {
        let layout: SeatLayout
        do throws(LayoutError) {
            let document = try LayoutDocument.decoding { try JSONDecoder().decode(LayoutDocument.self, from: Data(json)) }
            layout = try SeatLayout(document: document)
        } catch {
            return .failure(ErrorReply(.invalidLayout, message: error.description))
        }
        if let journal {
            do {
                try journal.admitChange()
            } catch {
                return .failure(ErrorReply(error, clock: clock))
            }
        }
        let id = catalog.add(layout, json: json) { entry in
            journal?.logLayoutDefined(DurableState.Layout(id: entry.id, json: entry.json, layout: entry.layout))
        }
        guard let id else {
            return .failure(ErrorReply(.capacityExhausted, message: "the server keeps \(VenueCatalog.layoutsMax) layouts at most"))
        }
        return .success(.layoutDefined(layout: id, seatCount: UInt32(layout.seatCount)))
    }

    private func createShow(_ request: CreateShowRequest) -> Result<Response, ErrorReply> {
        guard let entry = catalog.layout(request.layout) else {
            return .failure(ErrorReply(.unknownLayout, detail: UInt64(request.layout), message: "unknown layout \(request.layout)"))
        }
        let rules = ShowRules(
            forbidsSingleSeatGaps: request.forbidsSingleSeatGaps, seatsPerHoldMax: Int(request.seatsPerHoldMax),
            distancingMask: request.distancing.map(SeatIndex.init), holdLifetimeMax: .seconds(request.holdLifetimeSeconds))
        do {
            let show = try engine.createShow(layout: entry.layout, rules: rules)
            catalog.recordShow(show, layout: request.layout)
            return .success(.showCreated(show: show.rawValue))
        } catch {
            return .failure(ErrorReply(error))
        }
    }

    private func reservation(_ id: UInt64, at now: Timestamp) throws -> ReservationReply {
        let info: ReservationInfo
        if let booking = BookingID(rawValue: id) {
            info = try engine.reservation(booking)
        } else {
            info = try engine.reservation(try holdID(id), at: now)
        }
        let seats = info.seats.map(\.rawValue)
        switch info.status {
        case .held(let deadline):
            return ReservationReply(
                show: info.show.rawValue, status: .held, deadlineMilliseconds: clock.unixMilliseconds(deadline), seats: seats)
        case .booked:
            return ReservationReply(show: info.show.rawValue, status: .booked, deadlineMilliseconds: 0, seats: seats)
        }
    }

    func availability(_ show: ShowID) throws(InventoryError) -> AvailabilityReply {
        let availability = try engine.availability(of: show)
        return AvailabilityReply(
            show: show.rawValue, isCancelled: availability.isCancelled, seatCount: UInt32(availability.seats.seatCount),
            counts: WireSeatCounts(availability.counts), categories: try categories(of: availability),
            taken: availability.seats.taken.words, sold: availability.seats.sold.words,
            blocked: availability.seats.blocked.words)
    }

    /// The version alone when the client's is current; else the map kept for the current
    /// version; else the map read now, then kept.
    func seatMap(_ show: ShowID, knownVersion: UInt64) throws(InventoryError) -> SeatMapReply {
        let current = seatMapVersion(try engine.mapVersion(of: show))
        if knownVersion == current {
            statistics.add(.seatMapsUnchanged)
            return SeatMapReply(show: show.rawValue, version: current, map: nil)
        }
        if let kept = seatMaps.contents(of: show.rawValue, at: current) {
            statistics.add(.seatMapsCached)
            return SeatMapReply(show: show.rawValue, version: current, map: kept)
        }
        let availability = try engine.availability(of: show)
        let seats = availability.seats
        let contents = SeatMapContents(
            isCancelled: availability.isCancelled, seatCount: UInt32(seats.seatCount),
            counts: WireSeatCounts(availability.counts), categories: try categories(of: availability),
            states: SeatStateCoding(
                seatCount: seats.seatCount, taken: seats.taken.words, sold: seats.sold.words, blocked: seats.blocked.words))
        let version = seatMapVersion(availability.version)
        seatMaps.keep(contents, of: show.rawValue, at: version)
        return SeatMapReply(show: show.rawValue, version: version, map: contents)
    }

    private func seatMapVersion(_ engineVersion: UInt64) -> UInt64 {
        seatMapEpoch | (engineVersion & ((1 << 40) - 1))
    }

    private func categories(of availability: ShowAvailability) throws(InventoryError) -> [AvailabilityReply.Category] {
        zip(try engine.layout(of: availability.show).categories, availability.countsByCategory).map { category, counts in
            AvailabilityReply.Category(id: category.id, counts: WireSeatCounts(counts))
        }
    }

    private func showSummaries() -> [ShowSummary] {
        engine.showIDs.compactMap { show in
            guard let availability = try? engine.availability(of: show) else { return nil }
            return ShowSummary(
                show: show.rawValue, layout: catalog.layoutID(ofShow: show) ?? UInt32.max,
                isCancelled: availability.isCancelled, seatCount: UInt32(availability.seats.seatCount))
        }
    }

    private func statisticsReply() -> [Statistic] {
        ServerStatistics.Counter.allCases.map { Statistic(name: $0.name, value: UInt64(max(0, statistics[$0]))) }
            + InventoryActivity.allCases.map { Statistic(name: $0.name, value: UInt64(engine.count(of: $0))) }
            + [
                Statistic(name: "shows", value: UInt64(engine.showIDs.count)),
                Statistic(name: "layouts", value: UInt64(catalog.layoutCount)),
            ]
            + (snapshotter?.follower?.statistics ?? []).map { Statistic(name: $0.name, value: $0.value) }
    }

    private func reply(_ hold: Hold, seats: [UInt32]) -> HoldReply {
        HoldReply(hold: hold.id.rawValue, deadlineMilliseconds: clock.unixMilliseconds(hold.deadline), seats: seats)
    }

    private func key(_ key: WireIdempotencyKey) -> IdempotencyKey? {
        key.isNone ? nil : IdempotencyKey(high: key.high, low: key.low)
    }

    private func holdID(_ raw: UInt64) throws(ErrorReply) -> HoldID {
        switch ReservationReference(rawValue: raw) {
        case .hold(let hold): return hold
        case .booking(let booking):
            throw ErrorReply(.unknownHold, detail: raw, message: "\(ReservationReference.booking(booking)) is a booking, not a hold")
        case nil: throw ErrorReply(.unknownHold, detail: raw, message: Self.notAnID(raw))
        }
    }

    private func bookingID(_ raw: UInt64) throws(ErrorReply) -> BookingID {
        switch ReservationReference(rawValue: raw) {
        case .booking(let booking): return booking
        case .hold(let hold):
            throw ErrorReply(.unknownBooking, detail: raw, message: "\(ReservationReference.hold(hold)) is a hold, not a booking")
        case nil: throw ErrorReply(.unknownBooking, detail: raw, message: Self.notAnID(raw))
        }
    }

    /// Bits outside an id's fields are set: no server gave it out (it has no textual form).
    private static func notAnID(_ raw: UInt64) -> String {
        "0x\(String(raw, radix: 16, uppercase: true)) is not a hold or booking id this server gives out"
    }
}

extension WireSeatCounts {
    init(_ counts: SeatCounts) {
        self.init(
            free: UInt32(counts.free), held: UInt32(counts.held), sold: UInt32(counts.sold), blocked: UInt32(counts.blocked))
    }
}
