import Foundation
import Mustache
import Payments

/// Who a message goes to, and the showtime an order is for, as the rest of the box office
/// knows them (the application answers from accounts and the catalog).
public protocol NotificationDirectory: Sendable {
    /// The people among `userIDs` there are, by id (none for an unknown or erased account): the
    /// recipients of a batch of messages, found at once.
    func people(_ userIDs: [String]) async throws -> [String: Person]
    func showtime(_ showtimeID: String) async throws -> ShowtimeSummary?
    /// Whether the order is a booking that still stands (not cancelled or refunded).
    func isConfirmed(orderID: String) async throws -> Bool
    /// A page of the people a campaign may reach, in a stable order, and the cursor of the next
    /// page (nil after the last).
    func audience(after cursor: String?, limit: Int) async throws -> (members: [AudienceMember], nextCursor: String?)
}

public struct Person: Sendable, Equatable {
    public var name: String
    public var email: String
    /// They have not turned off reminders of their bookings.
    public var wantsReminders: Bool
    /// They agreed to offers and releases by email (and their address is confirmed).
    public var wantsOffers: Bool
    /// E.164, when they gave one.
    public var phone: String?
    /// They asked for booking messages by text.
    public var wantsTexts: Bool
    /// The language their messages are written in, when not English (`hi`).
    public var language: String?
    public init(name: String, email: String, wantsReminders: Bool = true, wantsOffers: Bool = false, phone: String? = nil,
                wantsTexts: Bool = false, language: String? = nil) {
        self.name = name
        self.email = email
        self.wantsReminders = wantsReminders
        self.wantsOffers = wantsOffers
        self.phone = phone
        self.wantsTexts = wantsTexts
        self.language = language
    }
}

public struct ShowtimeSummary: Sendable, Equatable {
    public var movieTitle: String
    public var theatreName: String
    /// In the theatre's time: `Friday 4 December 2026, 19:30`.
    public var startsAt: String
    public var start: Date
    public var isCancelled: Bool
    public init(movieTitle: String, theatreName: String, startsAt: String, start: Date, isCancelled: Bool) {
        self.movieTitle = movieTitle
        self.theatreName = theatreName
        self.startsAt = startsAt
        self.start = start
        self.isCancelled = isCancelled
    }
}

/// Turns an outbox message into the email it stands for, from the topic's templates
/// (`Templates/<topic>.text.mustache` and `.html.mustache`), or says why nothing is sent.
struct MailComposer: Sendable {
    let library: MustacheLibrary
    let directory: any NotificationDirectory
    let from: MailMessage.Address
    /// The domain of `Message-ID`s.
    let domain: String
    let unsubscribeLinks: UnsubscribeLinks
    /// The campaign a campaign message belongs to, as it stands now.
    let campaign: @Sendable (String) async throws -> Campaign?

    static let subjects = [
        "account.email_verification": "Confirm your email address",
        "account.password_reset": "Set a new password",
        "account.password_changed": "Your password was changed",
        "booking.confirmed": "Your tickets for {movie}",
        "booking.cancelled": "Booking cancelled: {movie}",
        "refund.completed": "Your refund for {movie}",
        "payment.failed": "Your payment did not go through",
        "booking.reminder": "Reminder: {movie}, {when}",
    ]

    /// Subjects in the other languages messages are written in, by language and topic. A topic
    /// is written in a person's language when its templates are (`<topic>.text.<language>`);
    /// otherwise it is sent in English.
    static let translatedSubjects: [String: [String: String]] = [
        "hi": [
            "booking.confirmed": "{movie} के आपके टिकट",
            "booking.reminder": "याद रहे: {movie}, {when}",
        ],
    ]

    /// `pattern` with each `{key}` of `values` replaced by its value, in one pass over the
    /// pattern: a value is never searched for placeholders itself (a film titled "{when}" keeps
    /// its title), and `{…}` naming no value is left as it is.
    static func fill(_ pattern: String, with values: [String: String]) -> String {
        var filled = ""
        var rest = pattern[...]
        while let open = rest.firstIndex(of: "{") {
            filled += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}"),
                  let value = values[String(rest[rest.index(after: open)..<close])]
            else {
                filled.append("{")
                rest = rest[rest.index(after: open)...]
                continue
            }
            filled += value
            rest = rest[rest.index(after: close)...]
        }
        return filled + rest
    }

    /// The language `template` is written in for `person`: theirs when it has that template, else English (nil).
    func language(of template: String, for person: Person) -> String? {
        guard let language = person.language, library.getTemplate(named: "\(template).\(language)") != nil else { return nil }
        return language
    }

    private func render(_ values: [String: Any], template: String, language: String?) -> String? {
        library.render(values, withTemplate: language.map { "\(template).\($0)" } ?? template)
    }

    /// What an outbox payload may hold (account mails and order events).
    struct Payload: Decodable {
        var email: String?
        var name: String?
        var token: String?
        var expiresAtMs: Int64?
        var orderId: String?
        var showtimeId: String?
        var bookingCode: String?
        var seats: [String]?
        var totalMinor: Int64?
        var currency: String?
        var refundMinor: Int64?
        var reason: String?
        var campaignId: String?
    }

    enum Outcome: Equatable {
        case mail(MailMessage)
        case text(SMSMessage)
        case skip(String)
    }

    static func load() async throws -> MustacheLibrary {
        guard let resources = Bundle.module.resourceURL else { preconditionFailure("the notifications module's resources are missing") }
        return try await MustacheLibrary(directory: resources.appendingPathComponent("Templates").path)
    }

    /// - Parameters:
    ///   - recipient: the person `recipientUserID` names, as the directory has them now (nil
    ///     when there is no such person, or no recipient).
    func compose(
        id: String, topic: String, recipientUserID: String?, recipient: Person?, payload json: String, createdAt: Date, siteURL: String,
        now: Date
    ) async throws -> Outcome {
        if Campaign.Kind.allCases.contains(where: { $0.topic == topic }) {
            return try await composeCampaign(id: id, recipientUserID: recipientUserID, recipient: recipient, payload: json,
                                             createdAt: createdAt, siteURL: siteURL)
        }
        if topic.hasPrefix(Self.textPrefix) {
            return try await composeText(topic: String(topic.dropFirst(Self.textPrefix.count)), recipient: recipient,
                                         payload: json, siteURL: siteURL, now: now)
        }
        guard let subjectPattern = Self.subjects[topic] else { return .skip("nothing is sent for \(topic)") }
        let payload = try JSONDecoder().decode(Payload.self, from: Data(json.utf8))
        var person = recipient
        // An account's message (a verification, a reset) names its address itself.
        if let email = payload.email, let name = payload.name { person = Person(name: name, email: email) }
        guard let person else { return .skip("no one to send it to") }
        var (values, showtime) = try await details(payload, name: person.name, siteURL: siteURL)
        let language = language(of: "\(topic).text", for: person)
        values["lang"] = language ?? "en"
        var unsubscribeURL: String?
        if topic == "booking.reminder" {
            guard let recipientUserID, person.wantsReminders else { return .skip("reminders are turned off") }
            if let refusal = try await reminderRefusal(payload, showtime: showtime, now: now) { return .skip(refusal) }
            unsubscribeURL = "\(siteURL)/unsubscribe/\(unsubscribeLinks.token(userID: recipientUserID, kind: .reminders))"
            values["unsubscribe"] = unsubscribeURL
        }
        let subject = Self.fill(language.flatMap { Self.translatedSubjects[$0]?[topic] } ?? subjectPattern, with: values)
        values["subject"] = subject
        guard let text = render(values, template: "\(topic).text", language: language),
              let html = render(values, template: "\(topic).html", language: language)
        else { preconditionFailure("templates for \(topic) are missing") }
        return .mail(MailMessage(
            from: from, to: .init(name: person.name, email: person.email), subject: subject, text: text, html: html,
            messageID: "<\(id)@\(domain)>", date: createdAt, unsubscribeURL: unsubscribeURL))
    }

    /// The words an order's or an account's message is made of.
    private func details(_ payload: Payload, name: String, siteURL: String) async throws -> (values: [String: String], showtime: ShowtimeSummary?) {
        var values: [String: String] = ["name": name, "site": siteURL]
        if let token = payload.token { values["token"] = token }
        if let expires = payload.expiresAtMs {
            values["expires"] = MailMessage.rfc5322Date(Date(millisecondsSince1970: expires)).replacingOccurrences(of: " +0000", with: " UTC")
        }
        if let orderID = payload.orderId { values["orderId"] = orderID }
        if let code = payload.bookingCode { values["bookingCode"] = code }
        if let seats = payload.seats { values["seats"] = seats.joined(separator: ", ") }
        if let currency = payload.currency {
            if let total = payload.totalMinor { values["total"] = Money(total, currency).formatted }
            if let refund = payload.refundMinor, refund > 0 { values["refund"] = Money(refund, currency).formatted }
        }
        if let reason = payload.reason { values["reason"] = reason }
        var showtime: ShowtimeSummary?
        if let showtimeID = payload.showtimeId {
            showtime = try await directory.showtime(showtimeID)
            values["movie"] = showtime?.movieTitle ?? "your film"
            values["theatre"] = showtime?.theatreName ?? ""
            values["when"] = showtime?.startsAt ?? ""
        }
        return (values, showtime)
    }

    /// Why a reminder is no longer due, or nil. Decided when it is due, not when it was
    /// scheduled: the booking and the showtime may have changed since.
    private func reminderRefusal(_ payload: Payload, showtime: ShowtimeSummary?, now: Date) async throws -> String? {
        guard let orderID = payload.orderId, try await directory.isConfirmed(orderID: orderID) else { return "the booking no longer stands" }
        guard let showtime, !showtime.isCancelled, showtime.start > now else { return "the showtime is not ahead" }
        return nil
    }

    // MARK: text messages

    /// An outbox topic `sms.<topic>` is the text message of `<topic>`'s event.
    static let textPrefix = "sms."
    /// The events also sent by text, to people who gave a number and asked for texts.
    static let textTopics: Set<String> = ["booking.confirmed", "booking.cancelled", "booking.reminder"]
    /// Where the SMS provider reports what became of a message.
    public static let textStatusPath = "/api/v1/notifications/sms/status"

    /// Whether `topic`'s event also goes to its recipient by text.
    func sendsText(topic: String, recipient: Person?) -> Bool {
        guard Self.textTopics.contains(topic), let recipient else { return false }
        return recipient.phone != nil && recipient.wantsTexts
    }

    private func composeText(topic: String, recipient: Person?, payload json: String, siteURL: String, now: Date) async throws -> Outcome {
        guard Self.textTopics.contains(topic) else { return .skip("nothing is sent by text for \(topic)") }
        let payload = try JSONDecoder().decode(Payload.self, from: Data(json.utf8))
        guard let person = recipient, let phone = person.phone, person.wantsTexts
        else { return .skip("no number to text, or texts are turned off") }
        let (values, showtime) = try await details(payload, name: person.name, siteURL: siteURL)
        if topic == "booking.reminder", let refusal = try await reminderRefusal(payload, showtime: showtime, now: now) { return .skip(refusal) }
        guard let body = render(values, template: "sms.\(topic)", language: language(of: "sms.\(topic)", for: person)) else {
            preconditionFailure("the text for \(topic) is missing")
        }
        return .text(SMSMessage(to: phone, body: body.trimmingCharacters(in: .whitespacesAndNewlines),
                                statusCallbackURL: siteURL + Self.textStatusPath))
    }

    /// A campaign's message to one person, decided when it is due: not for someone who has
    /// withdrawn their consent since, nor for a cancelled campaign.
    private func composeCampaign(
        id: String, recipientUserID: String?, recipient: Person?, payload json: String, createdAt: Date, siteURL: String
    ) async throws -> Outcome {
        let payload = try JSONDecoder().decode(Payload.self, from: Data(json.utf8))
        guard let campaignID = payload.campaignId, let campaign = try await campaign(campaignID) else { return .skip("no such campaign") }
        guard campaign.status != .cancelled else { return .skip("the campaign was cancelled") }
        guard let recipientUserID, let person = recipient else { return .skip("no one to send it to") }
        guard person.wantsOffers else { return .skip("offers are turned off") }
        let unsubscribeURL = "\(siteURL)/unsubscribe/\(unsubscribeLinks.token(userID: recipientUserID, kind: .offers))"
        var values: [String: Any] = [
            "name": person.name, "site": siteURL, "subject": campaign.subject, "unsubscribe": unsubscribeURL,
            // Paragraphs as written (a blank line between them); the templates escape them.
            "paragraphs": campaign.body.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty },
        ]
        if let path = campaign.linkPath { values["link"] = siteURL + path }
        guard let text = library.render(values, withTemplate: "campaign.text"), let html = library.render(values, withTemplate: "campaign.html")
        else { preconditionFailure("the campaign templates are missing") }
        return .mail(MailMessage(
            from: from, to: .init(name: person.name, email: person.email), subject: campaign.subject, text: text, html: html,
            messageID: "<\(id)@\(domain)>", date: createdAt, unsubscribeURL: unsubscribeURL))
    }
}
