import ArgumentParser
import Booking
import BoxOfficeApp
import BoxOfficeEdge
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOSSL
import Notifications
import Prometheus
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTP API (the default).")
    static let environment = ProcessInfo.processInfo.environment

    @OptionGroup var storage: StorageOptions

    @Option(help: "Address to listen on (env BOXOFFICE_HOST).")
    var host = environment["BOXOFFICE_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (env BOXOFFICE_PORT).")
    var port = Int(environment["BOXOFFICE_PORT"] ?? "") ?? 8080

    @Option(help: "seatd's address, host:port (env SEATD_ADDRESS); checked by /readyz.")
    var seatd: String?

    @Option(help: "File holding the seatd API key bookings use; seatd's agent role is enough (env SEATD_API_KEY_FILE).")
    var seatdKeyFile: String?

    @Option(help: "File holding a seatd admin key, for the catalog's screens and showtimes; without it the key above is used and must be an admin's (env SEATD_ADMIN_KEY_FILE).")
    var seatdAdminKeyFile: String?

    @Option(help: "PEM certificate chain: serve HTTPS (needs --tls-key).")
    var tlsCertificate: String?

    @Option(help: "PEM private key of --tls-certificate.")
    var tlsKey: String?

    @Option(help: "A browser origin allowed to call the API (repeatable; env BOXOFFICE_CORS_ORIGINS, comma-separated).")
    var corsOrigin: [String] = (environment["BOXOFFICE_CORS_ORIGINS"] ?? "").split(separator: ",").map(String.init)

    @Flag(help: "Mark the web pages' cookies Secure: the site is reached over HTTPS through a proxy that terminates TLS (env BOXOFFICE_SECURE_COOKIES=1).")
    var secureCookies = ProcessInfo.processInfo.environment["BOXOFFICE_SECURE_COOKIES"] == "1"

    @Flag(inversion: .prefixedNo, help: "Serve Prometheus metrics over HTTP on --metrics-port.")
    var metrics = true

    @Option(help: "Port of GET /metrics on --host, apart from the API so no gateway exposes it (env BOXOFFICE_METRICS_PORT).")
    var metricsPort = Int(environment["BOXOFFICE_METRICS_PORT"] ?? "") ?? 8081

    @Option(help: "Logins, sign-ups and password resets per client address per minute (env BOXOFFICE_CREDENTIALS_PER_MINUTE).")
    var credentialsPerMinute = Int(environment["BOXOFFICE_CREDENTIALS_PER_MINUTE"] ?? "") ?? 10

    @Option(help: "Other API requests per identity (else per address) per second; bursts of twice as many (env BOXOFFICE_API_PER_SECOND).")
    var apiPerSecond = Int(environment["BOXOFFICE_API_PER_SECOND"] ?? "") ?? 50

    @Option(help: "Milliseconds a profile read is reused by this instance; 0 reads the database every time (env BOXOFFICE_PROFILE_CACHE_MS).")
    var profileCacheMs = Int(environment["BOXOFFICE_PROFILE_CACHE_MS"] ?? "") ?? 1000

    @Flag(inversion: .prefixedNo, help: "Keep public catalog answers in memory while the catalog is unchanged (env BOXOFFICE_CATALOG_CACHE=0 turns it off).")
    var catalogCache = environment["BOXOFFICE_CATALOG_CACHE"] != "0"

    @Option(help: "Milliseconds between looks for catalog changes made through other instances (env BOXOFFICE_CATALOG_REFRESH_MS).")
    var catalogRefreshMs = Int(environment["BOXOFFICE_CATALOG_REFRESH_MS"] ?? "") ?? 1000

    @Option(help: "Seconds a new order's seats are held, 10 to 600 (env BOXOFFICE_HOLD_SECONDS).")
    var holdSeconds = Int(environment["BOXOFFICE_HOLD_SECONDS"] ?? "") ?? 420

    @Option(help: "Seconds the first payment of an order extends its hold to, 10 to 600, within the show's cap (env BOXOFFICE_PAYMENT_WINDOW_SECONDS).")
    var paymentWindowSeconds = Int(environment["BOXOFFICE_PAYMENT_WINDOW_SECONDS"] ?? "") ?? 300

    @Option(help: "Minutes before a showtime its bookers are reminded by email, 0 for no reminders, at most 10080 (env BOXOFFICE_REMINDER_MINUTES).")
    var reminderMinutes = Int(environment["BOXOFFICE_REMINDER_MINUTES"] ?? "") ?? 180

    @Option(help: "Days recommendation signals are kept and learnt from, 1 to 730 (env BOXOFFICE_SIGNAL_RETENTION_DAYS).")
    var signalRetentionDays = Int(environment["BOXOFFICE_SIGNAL_RETENTION_DAYS"] ?? "") ?? 180

    @Option(help: "Minutes between rebuilds of the recommendation model, 1 to 1440; it is rebuilt sooner after --recommendation-rebuild-signals new signals (env BOXOFFICE_RECOMMENDATION_REBUILD_MINUTES).")
    var recommendationRebuildMinutes = Int(environment["BOXOFFICE_RECOMMENDATION_REBUILD_MINUTES"] ?? "") ?? 60

    @Option(help: "New signals after which the recommendation model is rebuilt, 1 to 1000000 (env BOXOFFICE_RECOMMENDATION_REBUILD_SIGNALS).")
    var recommendationRebuildSignals = Int(environment["BOXOFFICE_RECOMMENDATION_REBUILD_SIGNALS"] ?? "") ?? 1_000

    @Option(help: "Booking fee per seat in hundredths of a percent of its price, 0 to 5000 (env BOXOFFICE_BOOKING_FEE_BASIS_POINTS).")
    var bookingFeeBasisPoints = Int64(environment["BOXOFFICE_BOOKING_FEE_BASIS_POINTS"] ?? "") ?? 0

    @Option(help: "Tax on the booking fee in hundredths of a percent, 0 to 10000 (env BOXOFFICE_FEE_TAX_BASIS_POINTS).")
    var feeTaxBasisPoints = Int64(environment["BOXOFFICE_FEE_TAX_BASIS_POINTS"] ?? "") ?? 0

    @Option(help: "Payment provider: sandbox (test cards, no money moves), stripe or razorpay (env BOXOFFICE_PAYMENT_PROVIDER).")
    var paymentProvider = environment["BOXOFFICE_PAYMENT_PROVIDER"] ?? "sandbox"

    @Option(help: "Stripe's API address (env STRIPE_BASE_URL).")
    var stripeBaseURL = environment["STRIPE_BASE_URL"] ?? "https://api.stripe.com"

    @Option(help: "File holding Stripe's secret key, sk_… (env STRIPE_SECRET_KEY_FILE).")
    var stripeSecretKeyFile: String?

    @Option(help: "File holding the webhook endpoint's signing secret, whsec_… (env STRIPE_WEBHOOK_SECRET_FILE).")
    var stripeWebhookSecretFile: String?

    @Option(help: "Razorpay's API address (env RAZORPAY_BASE_URL).")
    var razorpayBaseURL = environment["RAZORPAY_BASE_URL"] ?? "https://api.razorpay.com"

    @Option(help: "Razorpay's key id, rzp_…, public (env RAZORPAY_KEY_ID).")
    var razorpayKeyID: String?

    @Option(help: "File holding Razorpay's key secret (env RAZORPAY_KEY_SECRET_FILE).")
    var razorpayKeySecretFile: String?

    @Option(help: "File holding the Razorpay webhook's secret (env RAZORPAY_WEBHOOK_SECRET_FILE).")
    var razorpayWebhookSecretFile: String?

    @Option(help: "Write the API port, once listening, to this file.")
    var portFile: String?

    @Option(help: "The address people reach the site at, for links in messages (env BOXOFFICE_PUBLIC_URL; default http://HOST:PORT).")
    var publicURL: String?

    @Option(help: "Folder mail is written to as .eml files when no SMTP server is given (env BOXOFFICE_MAIL_DIR; default DATA_DIR/mail).")
    var mailDir: String?

    @Option(help: "SMTP server to send mail through, host or host:port (env BOXOFFICE_SMTP; port 587 unless given).")
    var smtp: String?

    @Option(help: "starttls (upgrade before sending; the default), tls (from the first byte, port 465) or none (env BOXOFFICE_SMTP_SECURITY).")
    var smtpSecurity: String?

    @Option(help: "User name for the SMTP server's AUTH (env BOXOFFICE_SMTP_USERNAME).")
    var smtpUsername: String?

    @Option(help: "File holding the SMTP password (env BOXOFFICE_SMTP_PASSWORD_FILE).")
    var smtpPasswordFile: String?

    @Option(help: "PEM file of the certificates to trust for the SMTP server, instead of the system's (env BOXOFFICE_SMTP_CA_FILE).")
    var smtpCAFile: String?

    @Option(help: "The address mail comes from, such as tickets@example.com (env BOXOFFICE_MAIL_FROM).")
    var mailFrom: String?

    @Option(help: "Twilio (or compatible) account SID, AC…; with the two below, booking messages are also sent by text to people who ask (env TWILIO_ACCOUNT_SID).")
    var twilioAccountSid: String?

    @Option(help: "File holding the Twilio auth token (env TWILIO_AUTH_TOKEN_FILE).")
    var twilioAuthTokenFile: String?

    @Option(help: "The number texts come from (E.164) or a messaging service SID, MG… (env TWILIO_FROM).")
    var twilioFrom: String?

    @Option(help: "The SMS API's address (env TWILIO_BASE_URL; default https://api.twilio.com).")
    var twilioBaseUrl: String?

    @Option(help: "Seconds a batch of messages claimed by one instance stays its own, 5 to 3600; those of an instance that died are sent by another after this (env BOXOFFICE_NOTIFICATIONS_LEASE_SECONDS).")
    var notificationsLeaseSeconds = Int(environment["BOXOFFICE_NOTIFICATIONS_LEASE_SECONDS"] ?? "") ?? 120

    /// The SMS provider from the options, or nil to send no texts.
    func twilioSettings() throws -> TwilioSMS.Configuration? {
        let sid = twilioAccountSid ?? Self.environment["TWILIO_ACCOUNT_SID"]
        let tokenFile = twilioAuthTokenFile ?? Self.environment["TWILIO_AUTH_TOKEN_FILE"]
        let from = twilioFrom ?? Self.environment["TWILIO_FROM"]
        guard sid != nil || tokenFile != nil || from != nil else { return nil }
        guard let sid, let tokenFile, let from else {
            throw ValidationError("--twilio-account-sid, --twilio-auth-token-file and --twilio-from go together")
        }
        guard sid.hasPrefix("AC"), sid.count <= 64, sid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ValidationError("--twilio-account-sid must be an account SID, AC…")
        }
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("\(tokenFile) is empty") }
        var settings = TwilioSMS.Configuration(accountSID: sid, authToken: token, from: from)
        if let base = twilioBaseUrl ?? Self.environment["TWILIO_BASE_URL"] {
            guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--twilio-base-url must be an http or https address")
            }
            settings.baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        return settings
    }

    /// The SMTP server from the options, or nil to write mail to files.
    func smtpSettings() throws -> SMTPSettings? {
        guard let address = smtp ?? Self.environment["BOXOFFICE_SMTP"] else { return nil }
        let parts = address.split(separator: ":", maxSplits: 1).map(String.init)
        guard let host = parts.first, !host.isEmpty, let port = parts.count == 2 ? Int(parts[1]) : 587, (1...65_535).contains(port) else {
            throw ValidationError("--smtp must be host or host:port")
        }
        let securityName = smtpSecurity ?? Self.environment["BOXOFFICE_SMTP_SECURITY"] ?? "starttls"
        guard let security = SMTPSettings.Security(rawValue: securityName) else {
            throw ValidationError("--smtp-security must be starttls, tls or none")
        }
        var settings = SMTPSettings(host: host, port: port, security: security,
                                    username: smtpUsername ?? Self.environment["BOXOFFICE_SMTP_USERNAME"])
        if let passwordFile = smtpPasswordFile ?? Self.environment["BOXOFFICE_SMTP_PASSWORD_FILE"] {
            settings.password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        }
        if settings.username != nil, settings.password == nil { throw ValidationError("--smtp-username needs --smtp-password-file") }
        if let caFile = smtpCAFile ?? Self.environment["BOXOFFICE_SMTP_CA_FILE"] {
            settings.tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        return settings
    }

    func run() async throws {
        let logger = try storage.bootstrapLogging()
        var configuration = try storage.configuration()
        configuration.host = host
        configuration.port = port
        configuration.raisesSQLiteWriterPriority = true
        configuration.corsAllowedOrigins = corsOrigin
        configuration.secureCookies = secureCookies
        if let publicURL = publicURL ?? Self.environment["BOXOFFICE_PUBLIC_URL"] {
            guard let url = URL(string: publicURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--public-url must be an http or https address, such as https://tickets.example")
            }
            configuration.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        }
        configuration.mailFolder = mailDir ?? Self.environment["BOXOFFICE_MAIL_DIR"]
        configuration.sms = try twilioSettings()
        guard (5...3600).contains(notificationsLeaseSeconds) else { throw ValidationError("--notifications-lease-seconds must be 5 to 3600") }
        configuration.notificationsLease = .seconds(notificationsLeaseSeconds)
        configuration.smtp = try smtpSettings()
        if let from = mailFrom ?? Self.environment["BOXOFFICE_MAIL_FROM"] {
            guard from.contains("@"), !from.contains(where: \.isNewline) else { throw ValidationError("--mail-from must be an email address") }
            configuration.mailFrom.email = from
        }
        guard credentialsPerMinute > 0, apiPerSecond > 0 else {
            throw ValidationError("--credentials-per-minute and --api-per-second must be positive")
        }
        configuration.rateLimits.credentials.rule = GCRA(rate: credentialsPerMinute, per: .seconds(60), burst: credentialsPerMinute)
        configuration.rateLimits.api.rule = GCRA(rate: apiPerSecond, per: .seconds(1), burst: 2 * apiPerSecond)
        guard profileCacheMs >= 0 else { throw ValidationError("--profile-cache-ms must not be negative") }
        configuration.accounts.profileCacheLifetime = .milliseconds(profileCacheMs)
        guard catalogRefreshMs > 0 else { throw ValidationError("--catalog-refresh-ms must be positive") }
        configuration.catalogRefreshInterval = .milliseconds(catalogRefreshMs)
        configuration.catalogResponseCache = catalogCache
        guard (10...600).contains(holdSeconds), (10...600).contains(paymentWindowSeconds) else {
            throw ValidationError("--hold-seconds and --payment-window-seconds must be 10 to 600")
        }
        configuration.booking.holdDuration = .seconds(holdSeconds)
        configuration.booking.paymentWindow = .seconds(paymentWindowSeconds)
        guard (0...10_080).contains(reminderMinutes) else { throw ValidationError("--reminder-minutes must be 0 (none) to 10080 (a week)") }
        configuration.booking.reminderLead = reminderMinutes == 0 ? nil : .seconds(reminderMinutes * 60)
        guard (1...730).contains(signalRetentionDays), (1...1_440).contains(recommendationRebuildMinutes),
              (1...1_000_000).contains(recommendationRebuildSignals)
        else {
            throw ValidationError(
                "--signal-retention-days must be 1 to 730, --recommendation-rebuild-minutes 1 to 1440, --recommendation-rebuild-signals 1 to 1000000")
        }
        configuration.recommendations.retentionDays = signalRetentionDays
        configuration.recommendations.rebuildIntervalSeconds = recommendationRebuildMinutes * 60
        configuration.recommendations.rebuildAfterSignals = recommendationRebuildSignals
        guard (0...5_000).contains(bookingFeeBasisPoints), (0...10_000).contains(feeTaxBasisPoints) else {
            throw ValidationError("--booking-fee-basis-points must be 0 to 5000, --fee-tax-basis-points 0 to 10000")
        }
        configuration.booking.pricing = PricingRules(bookingFeeBasisPoints: bookingFeeBasisPoints, feeTaxBasisPoints: feeTaxBasisPoints)
        let read = { (path: String) in try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        switch paymentProvider {
        case "sandbox":
            break
        case "stripe":
            guard let keyFile = stripeSecretKeyFile ?? Self.environment["STRIPE_SECRET_KEY_FILE"],
                  let secretFile = stripeWebhookSecretFile ?? Self.environment["STRIPE_WEBHOOK_SECRET_FILE"]
            else {
                throw ValidationError("--payment-provider stripe needs --stripe-secret-key-file and --stripe-webhook-secret-file")
            }
            configuration.payments = .stripe(.init(baseURL: stripeBaseURL, secretKey: try read(keyFile), webhookSecret: try read(secretFile)))
        case "razorpay":
            guard let keyID = razorpayKeyID ?? Self.environment["RAZORPAY_KEY_ID"],
                  let keyFile = razorpayKeySecretFile ?? Self.environment["RAZORPAY_KEY_SECRET_FILE"],
                  let secretFile = razorpayWebhookSecretFile ?? Self.environment["RAZORPAY_WEBHOOK_SECRET_FILE"]
            else {
                throw ValidationError(
                    "--payment-provider razorpay needs --razorpay-key-id, --razorpay-key-secret-file and --razorpay-webhook-secret-file")
            }
            configuration.payments = .razorpay(.init(
                baseURL: razorpayBaseURL, keyID: keyID, keySecret: try read(keyFile), webhookSecret: try read(secretFile)))
        default:
            throw ValidationError("--payment-provider must be sandbox, stripe or razorpay")
        }
        switch (tlsCertificate, tlsKey) {
        case (let certificate?, let key?):
            configuration.tls = .init(certificateChain: certificate, privateKey: key)
        case (nil, nil):
            break
        default:
            throw ValidationError("--tls-certificate and --tls-key go together")
        }
        if let seatd = seatd ?? Self.environment["SEATD_ADDRESS"] {
            guard let colon = seatd.lastIndex(of: ":"), let seatdPort = Int(seatd[seatd.index(after: colon)...]) else {
                throw ValidationError("--seatd must be host:port")
            }
            guard let seatdKeyFile = seatdKeyFile ?? Self.environment["SEATD_API_KEY_FILE"] else { throw ValidationError("--seatd needs --seatd-key-file") }
            let key = try read(seatdKeyFile)
            let adminKey = try (seatdAdminKeyFile ?? Self.environment["SEATD_ADMIN_KEY_FILE"]).map(read)
            configuration.seatd = .init(host: String(seatd[..<colon]), port: seatdPort, apiKey: key, adminKey: adminKey)
        }

        // Before any metric is made: swift-metrics binds each one to the factory of its day.
        let prometheus = PrometheusMetricsFactory()
        if metrics { MetricsSystem.bootstrap(prometheus) }

        let scheme = configuration.tls == nil ? "http" : "https"
        let (application, components) = try await buildApplication(configuration, logger: logger) { [portFile, host] port in
            logger.notice("boxoffice is serving", metadata: ["url": "\(scheme)://\(host):\(port)/"])
            if let portFile { try? "\(port)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }
        }
        logger.notice("\(components.notifications.mailDescription)")
        logger.notice("\(components.notifications.textDescription)")
        var services: [any Service] = [application]
        if metrics {
            services.append(metricsApplication(prometheus: prometheus, logger: logger))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// A second, tiny server for Prometheus, on its own port so that the API's edge (and any
    /// gateway in front of it) never exposes it.
    func metricsApplication(prometheus: PrometheusMetricsFactory, logger: Logger) -> some Service {
        let router = Router()
        router.get("metrics") { _, _ in
            var buffer = [UInt8]()
            prometheus.registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: .init(bytes: buffer)))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: metricsPort)), logger: logger)
    }
}
