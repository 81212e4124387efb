import BoxOfficeEdge
import Foundation
import Hummingbird
import NIOCore

/// `POST /api/v1/notifications/sms/status`: the SMS provider's reports on the messages it was
/// given (Twilio's status callback: a form signed with `X-Twilio-Signature` over the URL it was
/// told to post to and the fields). An unsigned, forged or altered report changes nothing.
public struct TextStatusController: Sendable {
    public typealias Context = BoxOfficeRequestContext

    let notifications: NotificationService
    /// Reports are a few hundred bytes.
    static let bodyBytesMax = 16 * 1024

    public init(notifications: NotificationService) {
        self.notifications = notifications
    }

    public func addRoutes(to router: Router<Context>) {
        router.post(RouterPath(String(MailComposer.textStatusPath.dropFirst())), use: report)
    }

    @Sendable func report(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: Self.bodyBytesMax))
        guard let form = Self.pairs(body) else {
            throw Problem(.badRequest, code: "malformed_body", title: "The report is not a form")
        }
        // The URL the provider was told to post to, which its signature covers.
        let url = notifications.siteURL.withLock { $0 } + MailComposer.textStatusPath
        switch try await notifications.textStatusReport(url: url, form: form, signature: request.headers[.init(TwilioSMS.signatureHeader)!]) {
        case .recorded, .unknownMessage:
            // An unknown message is answered alike: the provider has nothing to correct.
            return Response(status: .noContent)
        case .forged:
            throw Problem(.forbidden, code: "invalid_signature", title: "The report's signature does not verify")
        case .malformed:
            throw Problem(.badRequest, code: "malformed_body", title: "The report lacks MessageSid or a known MessageStatus")
        }
    }

    /// `application/x-www-form-urlencoded` pairs in their order, or nil when it is not that.
    static func pairs(_ body: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for field in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? { String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }
}
