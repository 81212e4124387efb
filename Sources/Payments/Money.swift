/// An amount of money: an integer count of the currency's minor units (paise, cents) and its
/// ISO 4217 code. Never floating point, so sums and refunds are exact.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    public var amountMinor: Int64
    /// Three uppercase letters (`INR`, `EUR`).
    public var currency: String

    public init(_ amountMinor: Int64, _ currency: String) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    /// Whether `code` has the shape of an ISO 4217 code.
    public static func isCurrencyCode(_ code: String) -> Bool {
        code.utf8.count == 3 && code.utf8.allSatisfy { (0x41...0x5A).contains($0) }
    }

    public var description: String { "\(amountMinor) \(currency) (minor units)" }
}
