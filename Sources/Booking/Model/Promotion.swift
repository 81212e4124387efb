import Foundation

/// A discount: a promo code people type, or an offer (no code) applied by itself to orders it
/// fits. Percentage or fixed, for everything or one movie, theatre or showtime, or for people's
/// first booking; valid between two times; limited in total uses and uses per person.
public struct Promotion: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// `value` hundredths of a percent off the seats (1,500 = 15 %).
        case percentage
        /// `value` minor units of `currency` off the seats.
        case fixed
    }

    public enum Scope: String, Sendable, Codable {
        case everything, movie, theatre, showtime
        /// Only for someone who has never had a booking confirmed here.
        case firstBooking
    }

    public var id: String
    /// Upper case letters and digits, 3 to 32; nil for an offer that applies by itself.
    public var code: String?
    public var description: String
    public var kind: Kind
    public var value: Int64
    /// For fixed amounts: the only currency it applies in.
    public var currency: String?
    public var scope: Scope
    /// The movie, theatre or showtime of a narrower scope.
    public var scopeID: String?
    public var validFrom: Date
    public var validUntil: Date
    /// Uses in all (nil: unlimited).
    public var usesMax: Int?
    /// Uses per person (nil: unlimited).
    public var usesPerPersonMax: Int?
    public var isActive: Bool

    /// What the promotion is applied to.
    public struct Target: Sendable, Equatable {
        public var movieID: String
        public var theatreID: String
        public var showtimeID: String
        public var isFirstBooking: Bool
        public var price: PriceBreakdown
        public var now: Date
    }

    /// Why a promotion does not apply; each says what the customer can do.
    public enum Refusal: Error, Sendable, Equatable {
        case unknownCode
        case inactive
        case notYetValid(Date)
        case expired
        case notForThis(String)
        case exhausted
        case usedUpByYou(Int)
    }

    /// The discount on `target`, or why there is none. Usage limits are checked by the store,
    /// atomically; everything else here.
    public func discount(for target: Target) -> Result<Int64, Refusal> {
        guard isActive else { return .failure(.inactive) }
        guard target.now >= validFrom else { return .failure(.notYetValid(validFrom)) }
        guard target.now < validUntil else { return .failure(.expired) }
        switch scope {
        case .everything: break
        case .movie: guard scopeID == target.movieID else { return .failure(.notForThis("it is for another movie")) }
        case .theatre: guard scopeID == target.theatreID else { return .failure(.notForThis("it is for another theatre")) }
        case .showtime: guard scopeID == target.showtimeID else { return .failure(.notForThis("it is for another showtime")) }
        case .firstBooking: guard target.isFirstBooking else { return .failure(.notForThis("it is for a first booking")) }
        }
        switch kind {
        case .percentage:
            return .success(PriceBreakdown.share(of: target.price.subtotalMinor, basisPoints: value))
        case .fixed:
            guard currency == target.price.currency else {
                return .failure(.notForThis("it is in \(currency ?? "another currency"), this order in \(target.price.currency)"))
            }
            return .success(min(value, target.price.subtotalMinor))
        }
    }

    /// The offers (promotions without a code) that fit `target`, the largest discount first
    /// (ties: the offer that ends soonest, then by id, so every instance picks the same one).
    /// Usage limits are left to the store, which tries them in this order.
    public static func offersRanked(_ offers: [Promotion], for target: Target) -> [(offer: Promotion, discountMinor: Int64)] {
        offers.compactMap { offer -> (offer: Promotion, discountMinor: Int64)? in
            guard offer.code == nil, case .success(let amount) = offer.discount(for: target), amount > 0 else { return nil }
            return (offer, amount)
        }
        .sorted { left, right in
            if left.discountMinor != right.discountMinor { return left.discountMinor > right.discountMinor }
            if left.offer.validUntil != right.offer.validUntil { return left.offer.validUntil < right.offer.validUntil }
            return left.offer.id < right.offer.id
        }
    }

    /// Whether `code` has the shape of a promo code (after upper-casing).
    public static func isCode(_ code: String) -> Bool {
        (3...32).contains(code.utf8.count) && code.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }
    }
}

/// A promotion as an admin sends it.
public struct PromotionInput: Decodable, Sendable {
    public var code: String?
    public var description: String
    public var kind: Promotion.Kind
    public var value: Int64
    public var currency: String?
    public var scope: Promotion.Scope
    public var scopeId: String?
    public var validFrom: Date
    public var validUntil: Date
    public var usesMax: Int?
    public var usesPerPersonMax: Int?

    /// The promotion it describes, or the first field that is not acceptable.
    func validated(id: String) throws(BookingError) -> Promotion {
        let code = code?.uppercased()
        if let code, !Promotion.isCode(code) { throw .invalidField("/code", "must be 3 to 32 letters and digits") }
        guard (1...200).contains(description.count) else { throw .invalidField("/description", "must be 1 to 200 characters") }
        switch kind {
        case .percentage:
            guard (1...10_000).contains(value) else { throw .invalidField("/value", "a percentage is 1 to 10000 hundredths of a percent") }
            guard currency == nil else { throw .invalidField("/currency", "a percentage has no currency") }
        case .fixed:
            guard (1...100_000_000).contains(value) else { throw .invalidField("/value", "must be 1 to 100000000 minor units") }
            guard let currency, currency.utf8.count == 3, currency.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else {
                throw .invalidField("/currency", "a fixed amount needs its ISO 4217 currency")
            }
        }
        switch scope {
        case .everything, .firstBooking:
            guard scopeId == nil else { throw .invalidField("/scopeId", "only a movie, theatre or showtime scope names one") }
        case .movie, .theatre, .showtime:
            guard let scopeId, (1...64).contains(scopeId.utf8.count) else { throw .invalidField("/scopeId", "name the \(scope.rawValue)") }
        }
        guard validFrom < validUntil else { throw .invalidField("/validUntil", "must be after validFrom") }
        if let usesMax, usesMax < 1 { throw .invalidField("/usesMax", "must be at least 1") }
        if let usesPerPersonMax, usesPerPersonMax < 1 { throw .invalidField("/usesPerPersonMax", "must be at least 1") }
        return Promotion(id: id, code: code, description: description, kind: kind, value: value, currency: currency, scope: scope,
                         scopeID: scopeId, validFrom: validFrom, validUntil: validUntil, usesMax: usesMax,
                         usesPerPersonMax: usesPerPersonMax, isActive: true)
    }
}
