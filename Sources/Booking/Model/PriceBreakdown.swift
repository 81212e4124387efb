import Payments

/// How the box office prices an order beyond the showtime's seat prices.
public struct PricingRules: Sendable, Equatable {
    /// A booking fee per seat, in hundredths of a percent of the seat's price (250 = 2.5 %).
    public var bookingFeeBasisPoints: Int64
    /// Tax on the booking fee, in hundredths of a percent (seat prices include their own taxes,
    /// as cinema tickets are sold).
    public var feeTaxBasisPoints: Int64

    public init(bookingFeeBasisPoints: Int64 = 0, feeTaxBasisPoints: Int64 = 0) {
        self.bookingFeeBasisPoints = bookingFeeBasisPoints
        self.feeTaxBasisPoints = feeTaxBasisPoints
    }
}

/// What an order costs, line by line, in minor units of one currency.
public struct PriceBreakdown: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var category: String
        public var seats: Int
        public var unitPriceMinor: Int64
        public var amountMinor: Int64
    }

    public var currency: String
    /// One line per seat category, in the order the categories first appear.
    public var lines: [Line]
    public var subtotalMinor: Int64
    /// Taken off the seats by a promotion (never more than the subtotal).
    public var discountMinor: Int64
    /// The promotion's code (or the offer's name) that gave the discount.
    public var discountCode: String?
    public var bookingFeeMinor: Int64
    public var taxMinor: Int64
    public var totalMinor: Int64

    public var total: Money { Money(totalMinor, currency) }

    /// Prices `seats` (each with its category's price already set) under `rules`.
    public init(seats: [OrderSeat], currency: String, rules: PricingRules) {
        self.currency = currency
        var lines: [Line] = []
        for seat in seats {
            if let index = lines.firstIndex(where: { $0.category == seat.category && $0.unitPriceMinor == seat.priceMinor }) {
                lines[index].seats += 1
                lines[index].amountMinor += seat.priceMinor
            } else {
                lines.append(Line(category: seat.category, seats: 1, unitPriceMinor: seat.priceMinor, amountMinor: seat.priceMinor))
            }
        }
        self.lines = lines
        subtotalMinor = lines.reduce(0) { $0 + $1.amountMinor }
        discountMinor = 0
        bookingFeeMinor = seats.reduce(0) { $0 + Self.share(of: $1.priceMinor, basisPoints: rules.bookingFeeBasisPoints) }
        taxMinor = Self.share(of: bookingFeeMinor, basisPoints: rules.feeTaxBasisPoints)
        totalMinor = subtotalMinor + bookingFeeMinor + taxMinor
    }

    /// The same breakdown with `discount` taken off the seats (capped at their subtotal), or
    /// without a discount when `discount` is nil. The booking fee stays that of the seats' prices.
    public func discounted(by discount: (code: String, amountMinor: Int64)?) -> PriceBreakdown {
        var price = self
        price.discountMinor = min(max(discount?.amountMinor ?? 0, 0), subtotalMinor)
        price.discountCode = discount?.code
        price.totalMinor = subtotalMinor - price.discountMinor + bookingFeeMinor + taxMinor
        return price
    }

    /// `amount × basisPoints / 10,000`, rounded half up, in integers (no floating point).
    static func share(of amount: Int64, basisPoints: Int64) -> Int64 {
        (amount * basisPoints + 5_000) / 10_000
    }
}
