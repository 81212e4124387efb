/// The sandbox's test cards: each number stands for one behaviour of a real provider, so every
/// path of the booking saga can be walked without one. Any other number is refused, so a real
/// card number never goes anywhere.
public enum SandboxCard: String, Sendable, CaseIterable {
    /// Authorized at once.
    case success = "4242424242424242"
    /// Refused: `card_declined`.
    case declined = "4000000000000002"
    /// Refused: `insufficient_funds`.
    case insufficientFunds = "4000000000009995"
    /// Needs 3-D Secure: the customer approves or rejects it at the payment's `nextActionURL`.
    case requiresAuthentication = "4000002500003155"
    /// Processing for the sandbox's processing delay, then authorized (a webhook says when).
    case processing = "4000000000000077"
    /// Authorized, but the answer to the confirmation is lost (the call times out).
    case answerLost = "4000000000000119"
    /// Authorized; refunds of it fail (after a pending phase), as when a merchant lacks funds.
    case refundsFail = "4000000000005126"
}
