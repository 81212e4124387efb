/// The protocol's named ceilings. A server announces the ones a client must respect in its
/// HELLO reply; these are the most a version 1 server may announce.
public enum ProtocolLimits {
    /// Payload bytes of any frame after the handshake. Big enough for a 100,000-seat layout
    /// document or an availability reply with its three bitmaps.
    public static let payloadBytesMax = 8 << 20
    /// Payload bytes of a connection's first frame, which must be HELLO: a peer that has not
    /// authenticated cannot make the server buffer more than this.
    public static let helloPayloadBytesMax = 1024
    /// Requests a connection may have sent and not yet seen answered.
    public static let inFlightRequestsMax = 256
    /// Seats named in one hold, or returned in one reply or event.
    public static let seatsPerOperationMax = 64
    /// Shows one connection may be subscribed to at once.
    public static let subscriptionsPerConnectionMax = 1024
    /// Operations in one BATCH.
    public static let operationsPerBatchMax = 64
    /// UTF-8 bytes of an API key.
    public static let apiKeyBytesMax = 256
    /// UTF-8 bytes of a short text field: a client name, a category or section id, a statistic's name.
    public static let nameBytesMax = 64
    /// UTF-8 bytes of an error reply's message.
    public static let messageBytesMax = 1024
    /// Seats of one show, as far as a SEAT_MAP reply may describe them: a few bytes of runs can
    /// name any number of seats, and a client decoding them must not be made to allocate more.
    /// The same as the server's own limit on a layout's seats.
    public static let seatsPerShowMax = 1 << 20
    /// Distancing seats in one CREATE_SHOW.
    public static let distancingSeatsMax = 1 << 16
}
