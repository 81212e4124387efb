import Accounts
import Booking
import Catalog
import Foundation
import Notifications

/// Answers the notifier from accounts (who a person is), the catalog (what a showtime is) and
/// bookings (whether one still stands).
struct BoxOfficeDirectory: NotificationDirectory {
    let accounts: AccountService
    let catalog: CatalogService
    let booking: BookingService

    /// In one read, however many there are (a batch of the outbox is at most its claim's size).
    /// Someone erased since their message was written is not found: there is no one to tell.
    func people(_ userIDs: [String]) async throws -> [String: Person] {
        Dictionary(try await accounts.users(ids: userIDs).map { ($0.id, Self.person($0)) }, uniquingKeysWith: { first, _ in first })
    }

    private static func person(_ user: User) -> Person {
        Person(name: user.name, email: user.email.value, wantsReminders: user.consents.reminderEmail, wantsOffers: consentsToOffers(user),
               phone: user.phone, wantsTexts: user.consents.sms, language: user.messageLanguage)
    }

    func showtime(_ showtimeID: String) async throws -> ShowtimeSummary? {
        guard let seating = try? await catalog.seating(showtimeID: showtimeID) else { return nil }
        // The theatre as the catalog's cached seating has it, not read again for every message.
        let (showtime, theatre) = (seating.showtime, seating.theatre)
        return ShowtimeSummary(
            movieTitle: catalog.movies(ids: [showtime.movieId])[showtime.movieId]?.title ?? "your film",
            theatreName: "\(theatre.name), \(theatre.address)", startsAt: LocalTime(zoneIdentifier: theatre.timeZone).full(showtime.startsAt),
            start: showtime.startsAt, isCancelled: showtime.status != .scheduled)
    }

    func isConfirmed(orderID: String) async throws -> Bool {
        do {
            return try await booking.order(id: orderID, owner: nil).state == .confirmed
        } catch BookingError.orderNotFound {
            return false
        }
    }

    func audience(after cursor: String?, limit: Int) async throws -> (members: [AudienceMember], nextCursor: String?) {
        let (users, next) = try await accounts.users(after: cursor, limit: limit)
        let members = users.map { user in
            AudienceMember(userID: user.id, city: user.city, languages: user.preferredLanguages, genres: user.preferredGenres,
                           consentsToOffers: Self.consentsToOffers(user))
        }
        return (members, next)
    }

    /// Offers go only to active accounts whose owner asked for them at a confirmed address.
    static func consentsToOffers(_ user: User) -> Bool {
        user.status == .active && user.consents.marketingEmail && user.emailVerifiedAt != nil
    }
}
