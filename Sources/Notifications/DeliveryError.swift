/// Why a message was not handed on, by any channel, and whether a later attempt may succeed
/// (an SMTP 4xx reply, an SMS provider's 429 or 5xx, a timeout, a full disk) or not (an SMTP
/// 5xx reply, a number the provider refuses): the outbox worker retries the first kind and
/// dead-letters the second.
public struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var isTransient: Bool

    public init(_ message: String, isTransient: Bool) {
        self.message = message
        self.isTransient = isTransient
    }

    public var description: String { message }
}
