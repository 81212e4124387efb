import NIOCore

/// Why a request was refused. Codes below 100 are about the connection or the frame, 1xx come
/// from the seat inventory, 2xx from administration, 5xx from the server itself.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    // The connection is closed after these.
    public static let malformedFrame = ErrorCode(rawValue: 1)
    public static let frameTooLarge = ErrorCode(rawValue: 2)
    public static let unsupportedVersion = ErrorCode(rawValue: 3)
    public static let notAuthenticated = ErrorCode(rawValue: 4)
    public static let authenticationFailed = ErrorCode(rawValue: 5)
    public static let timedOut = ErrorCode(rawValue: 6)
    /// The server has as many connections as it takes: sent before HELLO, then closed.
    public static let tooManyConnections = ErrorCode(rawValue: 7)
    // The connection stays open after every other code.
    public static let unknownOpcode = ErrorCode(rawValue: 10)
    public static let unsupportedFlags = ErrorCode(rawValue: 11)
    public static let malformedPayload = ErrorCode(rawValue: 12)
    public static let tooManyInFlight = ErrorCode(rawValue: 13)
    public static let forbidden = ErrorCode(rawValue: 14)
    public static let subscriptionLimit = ErrorCode(rawValue: 15)
    public static let shuttingDown = ErrorCode(rawValue: 16)
    public static let batchAborted = ErrorCode(rawValue: 17)
    public static let alreadyAuthenticated = ErrorCode(rawValue: 18)

    public static let unknownShow = ErrorCode(rawValue: 100)
    public static let showCancelled = ErrorCode(rawValue: 101)
    public static let noSeatsRequested = ErrorCode(rawValue: 102)
    public static let unknownSeat = ErrorCode(rawValue: 103)
    public static let duplicateSeat = ErrorCode(rawValue: 104)
    public static let seatUnavailable = ErrorCode(rawValue: 105)
    public static let ruleViolated = ErrorCode(rawValue: 106)
    public static let unknownCategory = ErrorCode(rawValue: 107)
    public static let unknownSection = ErrorCode(rawValue: 108)
    public static let noBlockAvailable = ErrorCode(rawValue: 109)
    public static let reservationTableFull = ErrorCode(rawValue: 110)
    public static let unknownHold = ErrorCode(rawValue: 111)
    public static let unknownBooking = ErrorCode(rawValue: 112)
    public static let holdSuperseded = ErrorCode(rawValue: 113)
    public static let bookingSuperseded = ErrorCode(rawValue: 114)
    public static let holdExpired = ErrorCode(rawValue: 115)
    public static let holdReleased = ErrorCode(rawValue: 116)
    public static let holdAlreadyConfirmed = ErrorCode(rawValue: 117)
    public static let holdBookingCancelled = ErrorCode(rawValue: 118)
    public static let bookingCancelled = ErrorCode(rawValue: 119)
    public static let holdLifetimeExhausted = ErrorCode(rawValue: 120)
    public static let idempotencyKeyReused = ErrorCode(rawValue: 121)
    public static let idempotentRequestInProgress = ErrorCode(rawValue: 122)

    public static let invalidLayout = ErrorCode(rawValue: 200)
    public static let unknownLayout = ErrorCode(rawValue: 201)
    public static let invalidShowRules = ErrorCode(rawValue: 202)
    public static let capacityExhausted = ErrorCode(rawValue: 203)
    public static let unknownAPIKey = ErrorCode(rawValue: 204)

    public static let internalError = ErrorCode(rawValue: 500)
    public static let storageUnavailable = ErrorCode(rawValue: 501)

    /// Whether the server closes the connection after sending this code.
    public var closesConnection: Bool { rawValue < 10 }

    static let names: [ErrorCode: String] = [
        .malformedFrame: "MALFORMED_FRAME", .frameTooLarge: "FRAME_TOO_LARGE",
        .unsupportedVersion: "UNSUPPORTED_VERSION", .notAuthenticated: "NOT_AUTHENTICATED",
        .authenticationFailed: "AUTHENTICATION_FAILED", .timedOut: "TIMED_OUT",
        .tooManyConnections: "TOO_MANY_CONNECTIONS",
        .unknownOpcode: "UNKNOWN_OPCODE", .unsupportedFlags: "UNSUPPORTED_FLAGS",
        .malformedPayload: "MALFORMED_PAYLOAD", .tooManyInFlight: "TOO_MANY_IN_FLIGHT", .forbidden: "FORBIDDEN",
        .subscriptionLimit: "SUBSCRIPTION_LIMIT", .shuttingDown: "SHUTTING_DOWN", .batchAborted: "BATCH_ABORTED",
        .alreadyAuthenticated: "ALREADY_AUTHENTICATED",
        .unknownShow: "UNKNOWN_SHOW", .showCancelled: "SHOW_CANCELLED", .noSeatsRequested: "NO_SEATS_REQUESTED",
        .unknownSeat: "UNKNOWN_SEAT", .duplicateSeat: "DUPLICATE_SEAT", .seatUnavailable: "SEAT_UNAVAILABLE",
        .ruleViolated: "RULE_VIOLATED", .unknownCategory: "UNKNOWN_CATEGORY", .unknownSection: "UNKNOWN_SECTION",
        .noBlockAvailable: "NO_BLOCK_AVAILABLE", .reservationTableFull: "RESERVATION_TABLE_FULL",
        .unknownHold: "UNKNOWN_HOLD", .unknownBooking: "UNKNOWN_BOOKING", .holdSuperseded: "HOLD_SUPERSEDED",
        .bookingSuperseded: "BOOKING_SUPERSEDED", .holdExpired: "HOLD_EXPIRED", .holdReleased: "HOLD_RELEASED",
        .holdAlreadyConfirmed: "HOLD_ALREADY_CONFIRMED", .holdBookingCancelled: "HOLD_BOOKING_CANCELLED",
        .bookingCancelled: "BOOKING_CANCELLED", .holdLifetimeExhausted: "HOLD_LIFETIME_EXHAUSTED",
        .idempotencyKeyReused: "IDEMPOTENCY_KEY_REUSED", .idempotentRequestInProgress: "IDEMPOTENT_REQUEST_IN_PROGRESS",
        .invalidLayout: "INVALID_LAYOUT", .unknownLayout: "UNKNOWN_LAYOUT", .invalidShowRules: "INVALID_SHOW_RULES",
        .capacityExhausted: "CAPACITY_EXHAUSTED", .unknownAPIKey: "UNKNOWN_API_KEY", .internalError: "INTERNAL_ERROR",
        .storageUnavailable: "STORAGE_UNAVAILABLE",
    ]

    /// Every code this version of the protocol defines, in numeric order.
    public static let known: [ErrorCode] = names.keys.sorted { $0.rawValue < $1.rawValue }

    public var description: String { ErrorCode.names[self] ?? "error \(rawValue)" }
}

/// The payload of a frame with the error flag: a code, two numbers whose meaning the code
/// defines (a seat, a hold, a deadline; 0 when unused), and a message for people.
public struct ErrorReply: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var detail: UInt64
    public var secondDetail: UInt64
    public var message: String

    public init(_ code: ErrorCode, detail: UInt64 = 0, secondDetail: UInt64 = 0, message: String) {
        self.code = code
        self.detail = detail
        self.secondDetail = secondDetail
        // Cutting inside a character turns its bytes into U+FFFD, three bytes: leave room for it.
        self.message = String(decoding: message.utf8.prefix(ProtocolLimits.messageBytesMax - 3), as: UTF8.self)
    }

    public var description: String { "\(code): \(message)" }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(code.rawValue, detail, secondDetail)
        buffer.writeText(message)
    }

    public static func decode(from payload: inout ByteBuffer) throws(PayloadError) -> ErrorReply {
        let code = ErrorCode(rawValue: try payload.read(UInt16.self, "code"))
        let detail = try payload.read(UInt64.self, "detail")
        let secondDetail = try payload.read(UInt64.self, "second detail")
        let message = try payload.readText("message", limit: ProtocolLimits.messageBytesMax)
        try payload.expectEnd()
        return ErrorReply(code, detail: detail, secondDetail: secondDetail, message: message)
    }
}
