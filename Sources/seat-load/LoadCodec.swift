import NIOCore

/// One target's side of a load connection: what it says first, how a ``LoadRequest`` goes on
/// the wire, and which lane's request each answer belongs to. The lanes, pacing and counting
/// are ``LoadConnectionHandler``'s, the same for every target.
protocol LoadCodec {
    /// A decoded answer, as the channel's decoder hands it on.
    associatedtype Answer
    /// The handler that turns bytes into `Answer`s, first in the channel's pipeline.
    func makeDecoder() -> any ChannelHandler
    /// Whether the target finds the best seats itself. If not, a best-available cycle names a
    /// random block of adjacent seats instead: the multi-seat hold a team would build on it.
    static var choosesBestSeats: Bool { get }

    /// Requests sent before any lane starts (a HELLO, scripts to load); how many answers they get.
    mutating func greet(into buffer: inout ByteBuffer) -> Int
    /// Takes one answer to the greeting; throws why it is not the expected one.
    mutating func acceptGreetingAnswer(_ answer: Answer) throws(LoadFailure)

    mutating func encode(_ request: LoadRequest, lane: Int, into buffer: inout ByteBuffer)
    /// The lane the answer belongs to, the step it answers, and what it says.
    mutating func decode(_ answer: Answer) throws(LoadFailure) -> (lane: Int, step: Workload.Step, outcome: LoadOutcome)
}

/// An answer the load generator cannot make sense of: the run counts it and closes the connection.
struct LoadFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
