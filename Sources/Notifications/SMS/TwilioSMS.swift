import AsyncHTTPClient
import BoxOfficeStorage
import Crypto
import Foundation
import NIOCore
import Payments

/// A text message as it leaves the box office.
public struct SMSMessage: Sendable, Equatable {
    /// E.164, such as `+919876543210` (checked when the person saved it).
    public var to: String
    public var body: String
    /// Where the provider reports what became of it (`delivered`, `undelivered`, `failed`).
    public var statusCallbackURL: String?
}

/// Where text messages go.
public protocol SMSTransport: Sendable {
    /// Hands the message to the provider; returns the provider's id for it.
    func send(_ message: SMSMessage) async throws(DeliveryError) -> String
    /// Verifies a status report's signature; the report's fields when it is the provider's.
    func verifyStatusReport(url: String, form: [(String, String)], signature: String?) -> Bool
    var description: String { get }
}

/// Twilio's Programmable Messaging API (and any service that speaks it): a form-encoded `POST`
/// to `/2010-04-01/Accounts/{AccountSid}/Messages.json` with basic authentication; status
/// reports come back signed with `X-Twilio-Signature`. A 429, a 5xx or a timeout is transient;
/// any other refusal (an invalid or unreachable number, bad credentials) is not. Twilio takes
/// no idempotency key, so a message whose answer was lost may be sent twice.
public struct TwilioSMS: SMSTransport {
    public struct Configuration: Sendable {
        public var baseURL: String
        /// `AC…`
        public var accountSID: String
        public var authToken: String
        /// The sending number (E.164) or a messaging service (`MG…`).
        public var from: String
        public var requestTimeout: Duration = .seconds(15)

        public init(baseURL: String = "https://api.twilio.com", accountSID: String, authToken: String, from: String) {
            self.baseURL = baseURL
            self.accountSID = accountSID
            self.authToken = authToken
            self.from = from
        }
    }

    /// A larger answer is refused (Twilio's message resources are about a kilobyte).
    static let responseBytesMax = 64 * 1024
    public static let signatureHeader = "X-Twilio-Signature"

    let configuration: Configuration
    let client: HTTPClient

    public init(configuration: Configuration, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    public var description: String { "text messages are sent through \(configuration.baseURL) as \(configuration.from)" }

    public func send(_ message: SMSMessage) async throws(DeliveryError) -> String {
        var form = [("To", message.to), (configuration.from.hasPrefix("MG") ? "MessagingServiceSid" : "From", configuration.from),
                    ("Body", message.body)]
        if let callback = message.statusCallbackURL { form.append(("StatusCallback", callback)) }
        var request = HTTPClientRequest(url: "\(configuration.baseURL)/2010-04-01/Accounts/\(configuration.accountSID)/Messages.json")
        request.method = .POST
        let credentials = Data("\(configuration.accountSID):\(configuration.authToken)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: FormEncoding.encoded(form)))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .milliseconds(configuration.requestTimeout.milliseconds))
            body = try await response.body.collect(upTo: Self.responseBytesMax)
        } catch {
            throw DeliveryError("the SMS provider did not answer: \(error)", isTransient: true)
        }
        struct Created: Decodable { var sid: String }
        struct Refusal: Decodable {
            var code: Int?
            var message: String?
        }
        switch response.status.code {
        case 200..<300:
            guard let created = try? JSONDecoder().decode(Created.self, from: body) else {
                throw DeliveryError("the SMS provider's answer has no message id", isTransient: true)
            }
            return created.sid
        case 429, 500...:
            throw DeliveryError("the SMS provider answered \(response.status.code)", isTransient: true)
        default:
            let refusal = try? JSONDecoder().decode(Refusal.self, from: body)
            let reason = [refusal?.code.map { "error \($0)" }, refusal?.message].compactMap { $0 }.joined(separator: ": ")
            throw DeliveryError("the SMS provider refused the message (\(response.status.code)\(reason.isEmpty ? "" : ", \(reason)"))",
                                isTransient: false)
        }
    }

    public func verifyStatusReport(url: String, form: [(String, String)], signature: String?) -> Bool {
        guard let signature, let presented = Data(base64Encoded: signature) else { return false }
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(
            presented, authenticating: Self.signedText(url: url, form: form), using: SymmetricKey(data: Data(configuration.authToken.utf8)))
    }

    /// What Twilio signs: the full URL it posted to, then each form field's name and value,
    /// fields sorted by name, with nothing between them (HMAC-SHA1 under the auth token).
    static func signedText(url: String, form: [(String, String)]) -> Data {
        Data((url + form.sorted { $0.0 < $1.0 }.map { $0.0 + $0.1 }.joined()).utf8)
    }
}
