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

extension Money {
    /// Digits after the decimal point in `currency` (ISO 4217's minor unit): most currencies have
    /// two; these have none or three.
    public static func minorUnitDigits(of currency: String) -> Int {
        switch currency {
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF": 0
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND": 3
        default: 2
        }
    }

    /// The amount as people read it, exactly, from the integer: `₹1,250.00`, `€9.50`,
    /// `¥1,200`, `CHF 12.00`.
    public var formatted: String {
        let digits = Self.minorUnitDigits(of: currency)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let magnitude = amountMinor.magnitude
        let whole = String(magnitude / UInt64(scale))
        var grouped = ""
        for (offset, character) in whole.enumerated() {
            if offset > 0, (whole.count - offset) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        if digits > 0 {
            let fraction = String(magnitude % UInt64(scale))
            grouped += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        let sign = amountMinor < 0 ? "−" : ""
        switch currency {
        case "INR": return sign + "₹" + grouped
        case "EUR": return sign + "€" + grouped
        case "USD": return sign + "$" + grouped
        case "GBP": return sign + "£" + grouped
        case "JPY": return sign + "¥" + grouped
        default: return sign + currency + " " + grouped
        }
    }
}
