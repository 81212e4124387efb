import SeatProtocol

/// Anything that can send a request and await its answer: a ``SeatClient`` pool or one
/// ``SeatConnection``. The typed operations below are written once for both.
public protocol SeatRequesting: Sendable {
    func send(_ request: Request) async throws(SeatClientError) -> Response
}

extension SeatClient: SeatRequesting {}
extension SeatConnection: SeatRequesting {}

extension SeatRequesting {
    /// Round trip to the server; returns `token` as the server echoed it.
    public func ping(token: UInt64 = 0) async throws(SeatClientError) -> UInt64 {
        guard case .pong(let echoed, _) = try await send(.ping(token: token)) else { throw mismatch(.ping) }
        return echoed
    }

    /// The server's counters, by name (what `seatctl stats` prints).
    public func stats() async throws(SeatClientError) -> [Statistic] {
        guard case .stats(let statistics) = try await send(.stats) else { throw mismatch(.stats) }
        return statistics
    }

    /// Holds exactly these seats (indices into the show's layout), all or none, for `duration`
    /// (at most the show's hold lifetime). A refusal names the first seat that failed and why.
    public func hold(
        _ seats: [UInt32],
        show: UInt32,
        for duration: Duration,
        idempotencyKey: WireIdempotencyKey = .none
    ) async throws(SeatClientError) -> HoldReply {
        let request = HoldRequest(
            show: show, holdMilliseconds: milliseconds(duration), idempotencyKey: idempotencyKey, seats: seats)
        guard case .held(let reply) = try await send(.hold(request)) else { throw mismatch(.hold) }
        return reply
    }

    /// Holds the best block of adjacent seats matching the request's count and filters.
    public func holdBestAvailable(_ request: BestAvailableHoldRequest) async throws(SeatClientError) -> HoldReply {
        guard case .held(let reply) = try await send(.holdBestAvailable(request)) else {
            throw mismatch(.holdBestAvailable)
        }
        return reply
    }

    /// Confirms a hold; returns the booking id.
    public func confirm(_ hold: UInt64, idempotencyKey: WireIdempotencyKey = .none) async throws(SeatClientError) -> UInt64 {
        guard case .booked(let booking) = try await send(.confirm(ReservationCommand(id: hold, idempotencyKey: idempotencyKey)))
        else { throw mismatch(.confirm) }
        return booking
    }

    /// Ends a hold early; its seats are free again.
    public func release(_ hold: UInt64, idempotencyKey: WireIdempotencyKey = .none) async throws(SeatClientError) {
        guard case .done = try await send(.release(ReservationCommand(id: hold, idempotencyKey: idempotencyKey))) else {
            throw mismatch(.release)
        }
    }

    /// Extends a hold; returns its deadline in Unix milliseconds.
    public func extend(_ hold: UInt64, by duration: Duration) async throws(SeatClientError) -> UInt64 {
        let request = ExtendRequest(hold: hold, holdMilliseconds: milliseconds(duration))
        guard case .extended(let deadline) = try await send(.extend(request)) else { throw mismatch(.extend) }
        return deadline
    }

    /// Cancels a booking; its seats go back on sale.
    public func cancelBooking(_ booking: UInt64, idempotencyKey: WireIdempotencyKey = .none) async throws(SeatClientError) {
        let command = ReservationCommand(id: booking, idempotencyKey: idempotencyKey)
        guard case .done = try await send(.cancelBooking(command)) else { throw mismatch(.cancelBooking) }
    }

    /// What a hold or booking id names now: its show, seats, and held (with the deadline) or booked.
    public func reservation(_ id: UInt64) async throws(SeatClientError) -> ReservationReply {
        guard case .reservation(let reply) = try await send(.reservation(id: id)) else { throw mismatch(.reservation) }
        return reply
    }

    /// A show's counts by category and its seat bitmaps (taken, sold, blocked), as of one moment.
    public func availability(show: UInt32) async throws(SeatClientError) -> AvailabilityReply {
        guard case .availability(let reply) = try await send(.availability(show: show)) else {
            throw mismatch(.availability)
        }
        return reply
    }

    /// A show's counts and every seat's state, compactly; when `knownVersion` (a reply's
    /// ``SeatMapReply/version``) is still the show's, only that (``SeatMapReply/map`` is nil).
    public func seatMap(show: UInt32, knownVersion: UInt64 = 0) async throws(SeatClientError) -> SeatMapReply {
        guard case .seatMap(let reply) = try await send(.seatMap(show: show, knownVersion: knownVersion)) else {
            throw mismatch(.seatMap)
        }
        return reply
    }

    /// Every show of the server: its layout, seat count, and whether it is cancelled.
    public func shows() async throws(SeatClientError) -> [ShowSummary] {
        guard case .shows(let shows) = try await send(.listShows) else { throw mismatch(.listShows) }
        return shows
    }

    /// A layout document's JSON, as it was defined.
    public func layout(_ id: UInt32) async throws(SeatClientError) -> [UInt8] {
        guard case .layout(_, let json) = try await send(.layout(id)) else { throw mismatch(.layout) }
        return json
    }

    /// Defines a layout from its JSON document; returns its id and seat count.
    public func defineLayout(json: [UInt8]) async throws(SeatClientError) -> (layout: UInt32, seatCount: UInt32) {
        guard case .layoutDefined(let layout, let seatCount) = try await send(.defineLayout(json: json)) else {
            throw mismatch(.defineLayout)
        }
        return (layout, seatCount)
    }

    /// Puts a show of a defined layout on sale under `request`'s rules (admin); returns its id.
    public func createShow(_ request: CreateShowRequest) async throws(SeatClientError) -> UInt32 {
        guard case .showCreated(let show) = try await send(.createShow(request)) else { throw mismatch(.createShow) }
        return show
    }

    /// Stops all sales of a show (admin); holds and bookings on it are refused from then on.
    public func cancelShow(_ show: UInt32) async throws(SeatClientError) {
        guard case .done = try await send(.cancelShow(show)) else { throw mismatch(.cancelShow) }
    }

    /// Has the server take a snapshot now; answered once it is on disk.
    public func snapshot() async throws(SeatClientError) -> SnapshotReply {
        guard case .snapshotTaken(let reply) = try await send(.snapshot) else { throw mismatch(.snapshot) }
        return reply
    }

    /// A new API key (admin); its secret is in the reply only.
    public func createAPIKey(role: Role, name: String) async throws(SeatClientError) -> (id: UInt32, role: Role, key: String) {
        guard case .apiKeyIssued(let id, let role, let key) = try await send(.createAPIKey(role: role, name: name)) else {
            throw mismatch(.createAPIKey)
        }
        return (id, role, key)
    }

    /// Every stored API key (admin): id, role, name, dates; never a secret.
    public func apiKeys() async throws(SeatClientError) -> [APIKeySummary] {
        guard case .apiKeys(let keys) = try await send(.listAPIKeys) else { throw mismatch(.listAPIKeys) }
        return keys
    }

    /// A new secret for key `id`'s role and name; `id` is revoked.
    public func rotateAPIKey(_ id: UInt32) async throws(SeatClientError) -> (id: UInt32, role: Role, key: String) {
        guard case .apiKeyIssued(let newID, let role, let key) = try await send(.rotateAPIKey(id: id)) else {
            throw mismatch(.rotateAPIKey)
        }
        return (newID, role, key)
    }

    /// Stops key `id` working for new connections (admin).
    public func revokeAPIKey(_ id: UInt32) async throws(SeatClientError) {
        guard case .done = try await send(.revokeAPIKey(id: id)) else { throw mismatch(.revokeAPIKey) }
    }

    /// Runs `operations` in one request, each answered in order; an atomic batch (holds only)
    /// places every hold or none.
    public func batch(_ operations: [Request], atomic: Bool = false) async throws(SeatClientError) -> [BatchResult] {
        guard case .batch(let results) = try await send(.batch(BatchRequest(isAtomic: atomic, operations: operations)))
        else { throw mismatch(.batch) }
        return results
    }

    private func milliseconds(_ duration: Duration) -> UInt32 {
        let (seconds, attoseconds) = duration.components
        return UInt32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    private func mismatch(_ opcode: Opcode) -> SeatClientError {
        .unexpectedResponse("\(opcode) answered with another kind of reply")
    }
}

extension SeatConnection {
    /// Subscribes this connection to a show's seat events (see ``events``); returns the
    /// sequence number the first event will carry.
    public func subscribe(show: UInt32) async throws(SeatClientError) -> UInt64 {
        guard case .subscribed(_, let next) = try await send(.subscribe(show: show)) else {
            throw .unexpectedResponse("SUBSCRIBE answered with another kind of reply")
        }
        return next
    }

    /// Stops this connection's seat events of a show.
    public func unsubscribe(show: UInt32) async throws(SeatClientError) {
        guard case .done = try await send(.unsubscribe(show: show)) else {
            throw .unexpectedResponse("UNSUBSCRIBE answered with another kind of reply")
        }
    }
}
