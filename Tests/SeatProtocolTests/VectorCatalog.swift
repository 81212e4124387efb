import NIOCore
import SeatProtocol

/// The messages the vector files were written from (`SEAT_WRITE_VECTORS=1`). Once written, the
/// files are the reference: the tests decode their bytes and re-encode what they decoded.
enum VectorCatalog {
    static let key = WireIdempotencyKey(high: 0x0123_4567_89ab_cdef, low: 0x0fed_cba9_8765_4321)
    /// Keys are server-wide: a second request needs a key of its own.
    static let confirmKey = WireIdempotencyKey(high: 0x2468_ace0_1357_9bdf, low: 0x0f1e_2d3c_4b5a_6978)
    static let hold: UInt64 = 0x0000_0400_0003_0001
    static let booking: UInt64 = hold | (1 << 63)
    static let otherHold: UInt64 = 0x0000_0400_0005_0002
    static let tinyLayout = #"{"id":"tiny","name":"Tiny","categories":[{"id":"standard","name":"Standard"}],"sections":[{"id":"stalls","name":"Stalls","rows":[{"label":"A","seats":[{"label":"A1","x":0,"category":"standard"},{"label":"A2","x":1,"category":"standard"}]}]}]}"#

    static let requests: [(name: String, requestID: UInt32, request: Request)] = [
        ("hello", 1, .hello(Hello(apiKey: "box-office-key", clientName: "box office 3"))),
        ("ping", 2, .ping(token: 0xfeed)),
        ("stats", 3, .stats),
        ("hold two seats", 7, .hold(HoldRequest(show: 3, holdMilliseconds: 600_000, seats: [17, 18]))),
        ("hold with an idempotency key", 8, .hold(HoldRequest(show: 3, holdMilliseconds: 60_000, idempotencyKey: key, seats: [40]))),
        ("best available, any seat", 9, .holdBestAvailable(BestAvailableHoldRequest(show: 3, holdMilliseconds: 600_000, count: 4))),
        (
            "best available, premium, accessible", 10,
            .holdBestAvailable(
                BestAvailableHoldRequest(
                    show: 3, holdMilliseconds: 600_000, count: 2, accessible: true, category: "premium", section: "stalls"))
        ),
        ("confirm", 11, .confirm(ReservationCommand(id: hold, idempotencyKey: confirmKey))),
        ("release", 12, .release(ReservationCommand(id: hold))),
        ("extend", 13, .extend(ExtendRequest(hold: hold, holdMilliseconds: 300_000))),
        ("cancel booking", 14, .cancelBooking(ReservationCommand(id: booking))),
        ("reservation", 15, .reservation(id: booking)),
        ("availability", 16, .availability(show: 3)),
        ("seat map", 30, .seatMap(show: 3, knownVersion: 0)),
        ("seat map since a version", 31, .seatMap(show: 3, knownVersion: 0x0000_a5c3_0000_0007)),
        ("list shows", 17, .listShows),
        ("layout", 18, .layout(1)),
        ("define layout", 19, .defineLayout(json: Array(tinyLayout.utf8))),
        (
            "create show", 20,
            .createShow(
                CreateShowRequest(
                    layout: 1, seatsPerHoldMax: 10, holdLifetimeSeconds: 900, forbidsSingleSeatGaps: true,
                    distancing: [5, 6]))
        ),
        ("cancel show", 21, .cancelShow(3)),
        ("snapshot", 25, .snapshot),
        ("create API key", 26, .createAPIKey(role: .agent, name: "box office")),
        ("list API keys", 27, .listAPIKeys),
        ("rotate API key", 28, .rotateAPIKey(id: 4)),
        ("revoke API key", 29, .revokeAPIKey(id: 4)),
        ("subscribe", 22, .subscribe(show: 3)),
        ("unsubscribe", 23, .unsubscribe(show: 3)),
        (
            "batch", 24,
            .batch(
                BatchRequest(
                    isAtomic: false,
                    operations: [.confirm(ReservationCommand(id: hold)), .release(ReservationCommand(id: otherHold))]))
        ),
        (
            "atomic batch across shows", 25,
            .batch(
                BatchRequest(
                    isAtomic: true,
                    operations: [
                        .hold(HoldRequest(show: 3, holdMilliseconds: 600_000, seats: [17, 18])),
                        .hold(HoldRequest(show: 4, holdMilliseconds: 600_000, seats: [17, 18])),
                    ]))
        ),
    ]

    static let responses: [(name: String, requestID: UInt32, opcode: Opcode, batchOpcodes: [Opcode], response: Response)] = [
        ("hello", 1, .hello, [], .hello(HelloReply(version: 1, role: .agent, serverTimeMilliseconds: 1_795_000_000_000))),
        ("pong", 2, .ping, [], .pong(token: 0xfeed, serverTimeMilliseconds: 1_795_000_000_000)),
        ("stats", 3, .stats, [], .stats([Statistic(name: "holds", value: 12), Statistic(name: "connections_open", value: 2)])),
        ("held", 7, .hold, [], .held(HoldReply(hold: hold, deadlineMilliseconds: 1_795_000_600_000, seats: [17, 18]))),
        ("booked", 11, .confirm, [], .booked(booking: booking)),
        ("released", 12, .release, [], .done),
        ("extended", 13, .extend, [], .extended(deadlineMilliseconds: 1_795_000_900_000)),
        (
            "reservation", 15, .reservation, [],
            .reservation(ReservationReply(show: 3, status: .booked, deadlineMilliseconds: 0, seats: [17, 18]))
        ),
        (
            "availability", 16, .availability, [],
            .availability(
                AvailabilityReply(
                    show: 3, isCancelled: false, seatCount: 70,
                    counts: WireSeatCounts(free: 66, held: 1, sold: 2, blocked: 1),
                    categories: [
                        .init(id: "standard", counts: WireSeatCounts(free: 50, held: 1, sold: 2, blocked: 1)),
                        .init(id: "premium", counts: WireSeatCounts(free: 16, held: 0, sold: 0, blocked: 0)),
                    ],
                    taken: [0x0000_0000_0007_0001, 0], sold: [0x0000_0000_0006_0000, 0], blocked: [1, 0]))
        ),
        (
            "seat map", 30, .seatMap, [],
            .seatMap(
                SeatMapReply(
                    show: 3, version: 0x0000_a5c3_0000_0007,
                    map: SeatMapContents(
                        isCancelled: false, seatCount: 70,
                        counts: WireSeatCounts(free: 66, held: 1, sold: 2, blocked: 1),
                        categories: [
                            .init(id: "standard", counts: WireSeatCounts(free: 50, held: 1, sold: 2, blocked: 1)),
                            .init(id: "premium", counts: WireSeatCounts(free: 16, held: 0, sold: 0, blocked: 0)),
                        ],
                        // The availability vector's seats: 0 blocked, 16 held, 17 and 18 sold.
                        states: SeatStateCoding(
                            seatCount: 70, taken: [0x0000_0000_0007_0001, 0], sold: [0x0000_0000_0006_0000, 0], blocked: [1, 0]))))
        ),
        ("seat map unchanged", 31, .seatMap, [], .seatMap(SeatMapReply(show: 3, version: 0x0000_a5c3_0000_0007, map: nil))),
        ("shows", 17, .listShows, [], .shows([ShowSummary(show: 3, layout: 1, isCancelled: false, seatCount: 300)])),
        ("layout", 18, .layout, [], .layout(id: 1, json: Array(tinyLayout.utf8))),
        ("layout defined", 19, .defineLayout, [], .layoutDefined(layout: 2, seatCount: 2)),
        ("show created", 20, .createShow, [], .showCreated(show: 4)),
        (
            "snapshot taken", 25, .snapshot, [],
            .snapshotTaken(
                SnapshotReply(
                    startLSN: 1_000, endLSN: 1_004, bytes: 18_250_863, compressedBytes: 933_819, captureMicroseconds: 310_000,
                    encodeMicroseconds: 120_000, compressMicroseconds: 45_000, storeMicroseconds: 9_000, deletedSegments: 1,
                    file: "snapshot-00000000000000001000.lz4"))
        ),
        ("subscribed", 22, .subscribe, [], .subscribed(show: 3, nextSequence: 41)),
        ("API key created", 26, .createAPIKey, [], .apiKeyIssued(id: 4, role: .agent, key: "agent-0123456789abcdef")),
        (
            "API keys listed", 27, .listAPIKeys, [],
            .apiKeys([
                APIKeySummary(id: 1, role: .admin, name: "first admin", createdMilliseconds: 1_764_460_800_000, isRevoked: false),
                APIKeySummary(id: 4, role: .agent, name: "box office", createdMilliseconds: 1_764_464_400_000, isRevoked: true),
            ])
        ),
        ("API key rotated", 28, .rotateAPIKey, [], .apiKeyIssued(id: 5, role: .agent, key: "agent-fedcba9876543210")),
        ("API key revoked", 29, .revokeAPIKey, [], .done),
        (
            "batch", 24, .batch, [.confirm, .release],
            .batch([
                .success(.booked(booking: booking)),
                .failure(ErrorReply(.holdExpired, detail: otherHold, message: "hold expired")),
            ])
        ),
    ]

    static let event = SeatEvent(show: 3, sequence: 41, kind: .held, hold: hold, seats: [17, 18])

    static let errors: [(name: String, requestID: UInt32, opcode: Opcode, error: ErrorReply)] = [
        ("seat unavailable", 7, .hold, ErrorReply(.seatUnavailable, detail: 17, secondDetail: 1, message: "seat #17 is held")),
        ("hold expired", 11, .confirm, ErrorReply(.holdExpired, detail: hold, message: "hold expired")),
        ("too many in flight", 300, .hold, ErrorReply(.tooManyInFlight, detail: 256, message: "more than 256 requests in flight")),
        ("authentication failed", 1, .hello, ErrorReply(.authenticationFailed, message: "unknown API key")),
        ("unknown API key", 29, .revokeAPIKey, ErrorReply(.unknownAPIKey, detail: 9, message: "no API key 9")),
        ("too many connections", 0, Opcode(rawValue: 0), ErrorReply(.tooManyConnections, detail: 4096, message: "the server has 4096 connections open")),
    ]

    /// Frames the server must refuse: hex, whether a valid HELLO (request id 1) goes first, the
    /// error, whether the connection then closes, and the request id the refusal carries (0 for
    /// a bad header, which is refused before its frame is read).
    static let malformed: [(name: String, hex: String, afterHello: Bool, error: ErrorCode, closes: Bool, answersRequestID: UInt32)] = [
        ("wrong magic", "4854545020312e310d0a0d0a00000000", false, .malformedFrame, true, 0),
        ("frame version 2", "5354020000020000000000050000000800000000000000ff", true, .malformedFrame, true, 0),
        // Only the header: the server refuses it without waiting for the 256 bytes it announces.
        ("frame version 2, refused before its payload", "53540200000200000000000500000100", true, .malformedFrame, true, 0),
        ("reserved field not zero", "5354010000020001000000050000000800000000000000ff", true, .malformedFrame, true, 0),
        ("payload longer than the limit", "53540100010100000000000700800001", true, .frameTooLarge, true, 0),
        ("hello too large for a first frame", "5354010000010000000000010000ffff", false, .frameTooLarge, true, 0),
        ("request before hello", "53540100000200000000000200000008000000000000feed", false, .notAuthenticated, true, 2),
        ("wrong api key", "5354010000010000000000010000000b0101000577726f6e670000", false, .authenticationFailed, true, 1),
        ("no common version", "5354010000010000000000010000000c020300067365637265740000", false, .unsupportedVersion, true, 1),
        ("hello cut inside its key", "535401000001000000000001000000070101000a616263", false, .malformedPayload, true, 1),
        ("hello with flags", "5354010100010000000000010000000c010100066167656e74310000", false, .unsupportedFlags, true, 1),
        ("unknown opcode", "53540100777700000000000900000000", true, .unknownOpcode, false, 9),
        ("unknown flag", "53540180000200000000000a00000008000000000000feed", true, .unsupportedFlags, false, 10),
        ("truncated payload", "53540100010100000000000700000006000000030000", true, .malformedPayload, false, 7),
        ("trailing bytes", "5354010000020000000000020000000a000000000000feed0000", true, .malformedPayload, false, 2),
        ("seat count beyond the limit", "5354010001010000000000070000003e" + "00000003000927c0" + String(repeating: "00", count: 16) + "ffff" + String(repeating: "00", count: 36), true, .malformedPayload, false, 7),
        ("hold for no time", "5354010001010000000000070000001e0000000300000000" + String(repeating: "00", count: 16) + "000100000011", true, .malformedPayload, false, 7),
        ("snapshot in a batch", "53540100050100000000001800000009000001030400000000", true, .malformedPayload, false, 24),
        ("second hello", "53540100000100000000000100000011010100066167656e74310005746f6f6c73", true, .alreadyAuthenticated, false, 1),
        ("admin request from an agent", "53540100030300000000000c0000000400000003", true, .forbidden, false, 12),
    ]

    static let agentKey = "agent1"
}
