import Accounts
import Booking
import BoxOfficeEdge
import Foundation
import Notifications
import Payments
import Recommendations

/// Everything `buildApplication` needs to know, read by the executable from flags and the
/// environment, and built directly by tests.
public struct BoxOfficeConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Where the SQLite file lives (the embedded default), and the access-token keys when no
    /// key file is given.
    public var dataDirectory: String
    /// A PostgreSQL URL; when set, it is used instead of the SQLite file.
    public var databaseURL: String?
    public var databaseConnectionsMax = 20
    /// Run the SQLite writer's thread ahead of the others (`boxoffice serve` does): for a
    /// server's one database, not for a process running many box offices (the tests), whose
    /// writers would starve everything else.
    public var raisesSQLiteWriterPriority = false
    /// The access-token key file; default `<data directory>/access-token-keys.json`, created on first start.
    public var accessTokenKeyFile: String?
    /// The seat server checked by `/readyz` (and, later, booked through).
    public var seatd: SeatdEndpoint?
    /// PEM files: serve HTTPS.
    public var tls: TLSFiles?
    /// Browser origins allowed to call the API from scripts (exact `scheme://host[:port]`).
    public var corsAllowedOrigins: [String] = []
    /// Mark the web pages' cookies `Secure` although this server speaks plain HTTP: set it when
    /// a proxy in front terminates TLS (with TLS configured here they always are).
    public var secureCookies = false
    public var accounts = AccountsConfiguration()
    public var rateLimits = RateLimitPolicy.standard
    /// How often to look for catalog changes made through other instances (they show here
    /// within about this long).
    public var catalogRefreshInterval: Duration = .seconds(1)
    /// Whether public catalog answers are kept in memory while the catalog is unchanged.
    public var catalogResponseCache = true
    /// Hold times, prices beyond the seats, cancellation terms, the reconciler's pace.
    public var booking = BookingConfiguration()
    public var recommendations = RecommendationsConfiguration()
    /// The payment provider orders are paid through.
    public var payments = Payments.sandbox(SandboxProvider.Configuration(webhookSecret: Payments.randomSecret()))
    /// The address people reach the site at, for links in messages; default `http://host:port`.
    public var publicURL: String?
    /// Where mail is written as `.eml` files when no SMTP server is configured; default
    /// `<data directory>/mail`.
    public var mailFolder: String?
    /// The SMTP server mail goes through; none writes it to ``mailFolder``.
    public var smtp: SMTPSettings?
    /// The SMS provider text messages go through; none sends none.
    public var sms: TwilioSMS.Configuration?
    /// Who mail comes from.
    public var mailFrom = MailMessage.Address(name: "Box Office", email: "tickets@boxoffice.local")
    /// The outbox worker's pace and patience.
    public var notificationsPollInterval: Duration = .seconds(1)
    public var notificationsLease: Duration = .seconds(120)
    public var notificationsRetry = RetryPolicy()
    /// The monotonic clock of the rate limiters, in nanoseconds (tests hold it still).
    public var monotonicNanoseconds: @Sendable () -> Int64 = { Int64(DispatchTime.now().uptimeNanoseconds) }

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    public struct SeatdEndpoint: Sendable {
        public var host: String
        public var port: Int
        /// The key bookings use: seatd's agent role (holds, confirmations, cancellations) is enough.
        public var apiKey: String
        /// The key the catalog defines screens' layouts and showtimes' shows with (seatd's admin
        /// role); without one, `apiKey` is used for them too and must be an admin's.
        public var adminKey: String?
        public init(host: String, port: Int, apiKey: String, adminKey: String? = nil) {
            self.host = host
            self.port = port
            self.apiKey = apiKey
            self.adminKey = adminKey
        }
    }

    /// Which payment provider to use, with its settings.
    public enum Payments: Sendable {
        /// The built-in sandbox (test cards, no money moves): the embedded default. Its webhooks
        /// go straight to this instance, signed with a secret of the process's own.
        case sandbox(SandboxProvider.Configuration)
        /// Stripe's PaymentIntents API (or anything that speaks it, such as localstripe), with
        /// webhooks posted to `/api/v1/payments/webhooks/stripe`.
        case stripe(StripeProvider.Configuration)
        /// Razorpay's Orders and Payments APIs (customers pay in Checkout), with webhooks posted
        /// to `/api/v1/payments/webhooks/razorpay`.
        case razorpay(RazorpayProvider.Configuration)

        static func randomSecret() -> String {
            (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        }
    }

    public struct TLSFiles: Sendable {
        public var certificateChain: String
        public var privateKey: String
        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    var resolvedAccessTokenKeyFile: String {
        accessTokenKeyFile ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("access-token-keys.json").path
    }

    public var resolvedMailFolder: String {
        mailFolder ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("mail").path
    }

    var resolvedPublicURL: String {
        publicURL ?? "\(tls == nil ? "http" : "https")://\(host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host):\(port)"
    }

    var sqlitePath: String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("boxoffice.sqlite").path
    }
}
