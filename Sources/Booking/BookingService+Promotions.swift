import BoxOfficeStorage
import Foundation
import SQLKit

extension BookingService {
    /// Promotions per page of the admins' list.
    public static let promotionsPageMax = 100

    public func createPromotion(_ input: PromotionInput) async throws -> Promotion {
        let promotion = try input.validated(id: UUID.timeOrderedID())
        let nowMs = now().millisecondsSince1970
        let inserted = try await database.transaction { session in
            try await PromotionRecords.insert(promotion, at: nowMs, on: session)
        }
        guard inserted else { throw BookingError.promotionExists }
        offerCache.invalidate()
        return promotion
    }

    /// Promotions, newest first, with how many uses each has taken.
    public func promotions(limit: Int, offset: Int) async throws -> [(promotion: Promotion, uses: Int64)] {
        try await database.withReadSession { session in
            try await PromotionRecords.all(limit: limit, offset: offset, on: session).map { (try $0.promotion(), $0.usesCount) }
        }
    }

    /// Withdraws a promotion: orders that already took it keep their discount.
    public func deactivatePromotion(id: String) async throws -> Promotion {
        guard let row = try await database.transaction({ try await PromotionRecords.deactivate(id: id, on: $0) }) else {
            throw BookingError.promotionNotFound
        }
        offerCache.invalidate()
        return try row.promotion()
    }

    /// Applies the promo code to a held order (replacing any it had): the discount is in its
    /// price, and one use of the code is reserved for it until it is confirmed (or given back
    /// when it ends without a sale). Limits are checked in the transaction that takes the use.
    public func applyPromotion(code rawCode: String, orderID: String, owner: Owner) async throws -> Order {
        let code = rawCode.trimmingCharacters(in: .whitespaces).uppercased()
        guard Promotion.isCode(code) else { throw BookingError.promotionRefused(.unknownCode) }
        _ = try await order(id: orderID, owner: owner)
        return try await locks.withLock(orderID) {
            let order = try await self.load(orderID)
            guard order.state == .held, let price = order.price else { throw BookingError.orderNotPayable(order.state) }
            let nowDate = self.now()
            return try await self.database.transaction { session in
                guard let promotion = try await PromotionRecords.find(code: code, on: session)?.promotion() else {
                    throw BookingError.promotionRefused(.unknownCode)
                }
                let target = Promotion.Target(
                    movieID: order.movieID, theatreID: order.theatreID, showtimeID: order.showtimeID,
                    isFirstBooking: !(try await PromotionRecords.hasBooked(ownerID: order.ownerID, on: session)),
                    price: price, now: nowDate)
                let discount: Int64
                switch promotion.discount(for: target) {
                case .success(let amount): discount = amount
                case .failure(let refusal): throw BookingError.promotionRefused(refusal)
                }
                try await PromotionRecords.release(orderID: order.id, on: session)
                do {
                    try await PromotionRecords.reserve(promotion, orderID: order.id, ownerID: order.ownerID,
                                                       nowMs: nowDate.millisecondsSince1970, on: session)
                } catch let refusal as Promotion.Refusal {
                    throw BookingError.promotionRefused(refusal)
                }
                var discounted = order
                discounted.price = price.discounted(by: (code, discount))
                discounted.promotionID = promotion.id
                discounted.updatedAt = nowDate
                guard try await OrderRecords.update(discounted, from: order, on: session) else { throw BookingError.orderNotPayable(order.state) }
                discounted.version += 1
                return discounted
            }
        }
    }

    /// Offers weighed for one order at most: the newest, when more are valid at once.
    public static let offersConsideredMax = 100
    /// Offers tried in turn when the best ones' limits are reached.
    static let offerAttemptsMax = 3

    /// Gives a newly held order the best offer it qualifies for (a promotion without a code), if
    /// any: the one with the largest discount whose limits still allow a use, each tried in its
    /// own transaction that takes the use. A partner's customers are not known to us, so
    /// first-booking offers are not theirs. An order that cannot get one stays as it was.
    func applyBestOffer(to order: Order) async throws -> Order {
        guard order.state == .held, order.promotionID == nil, let price = order.price else { return order }
        let nowDate = now()
        let nowMs = nowDate.millisecondsSince1970
        let offers = try await offerCache.offers(at: nowMs) { [database] in
            try await database.withReadSession { session in
                try await PromotionRecords.offers(validAt: nowMs, limit: Self.offersConsideredMax, on: session).map { try $0.promotion() }
            }
        }
        guard !offers.isEmpty else { return order }
        let isPartner = order.ownerID.hasPrefix("partner:")
        let isFirstBooking = isPartner ? false : !(try await database.withReadSession { session in
            try await PromotionRecords.hasBooked(ownerID: order.ownerID, on: session)
        })
        let target = Promotion.Target(movieID: order.movieID, theatreID: order.theatreID, showtimeID: order.showtimeID,
                                      isFirstBooking: isFirstBooking, price: price, now: nowDate)
        for (offer, discount) in Promotion.offersRanked(offers, for: target).prefix(Self.offerAttemptsMax) {
            do {
                return try await database.transaction { session in
                    try await PromotionRecords.reserve(offer, orderID: order.id, ownerID: order.ownerID, nowMs: nowMs, on: session)
                    var discounted = order
                    discounted.price = price.discounted(by: (offer.description, discount))
                    discounted.promotionID = offer.id
                    discounted.updatedAt = nowDate
                    guard try await OrderRecords.update(discounted, from: order, on: session) else { throw OfferNotTaken() }
                    discounted.version += 1
                    return discounted
                }
            } catch is Promotion.Refusal {
                continue  // its limits are reached: the next best
            } catch is OfferNotTaken {
                return try await load(order.id)  // the order moved on meanwhile; it keeps its own price
            }
        }
        return order
    }

    private struct OfferNotTaken: Error {}

    /// Takes the promo code off a held order, giving its use back; the best offer it qualifies
    /// for, if any, takes its place (offers cannot be taken off).
    public func removePromotion(orderID: String, owner: Owner) async throws -> Order {
        _ = try await order(id: orderID, owner: owner)
        return try await locks.withLock(orderID) {
            let order = try await self.load(orderID)
            guard order.state == .held, let price = order.price else { throw BookingError.orderNotPayable(order.state) }
            let nowDate = self.now()
            let plain = try await self.database.transaction { session in
                try await PromotionRecords.release(orderID: order.id, on: session)
                var plain = order
                plain.price = price.discounted(by: nil)
                plain.promotionID = nil
                plain.updatedAt = nowDate
                guard try await OrderRecords.update(plain, from: order, on: session) else { throw BookingError.orderNotPayable(order.state) }
                plain.version += 1
                return plain
            }
            return try await self.applyBestOffer(to: plain)
        }
    }
}
