import Accounts
import Booking
import BoxOfficeEdge
import Catalog
import BoxOfficeStorage
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import Notifications
import Payments
import Recommendations
import Reviews
import SeatClient
import ServiceLifecycle
import WebUI

/// Every component's migrations, in the order they are applied.
public let boxOfficeMigrations: [MigrationSet] = [
    Outbox.migrations, IdempotencyRecords.migrations, AccountsMigrations.set, CatalogMigrations.set,
    SandboxMigrations.set, BookingMigrations.set, ReviewsMigrations.set, NotificationsMigrations.set,
    RecommendationsMigrations.set,
]

/// The running parts `buildApplication` wires together, for tests that reach past HTTP.
public struct BoxOfficeComponents: Sendable {
    public let database: Database
    public let accounts: AccountService
    public let catalog: CatalogService
    public let booking: BookingService
    /// The sandbox payment provider, when it is the one configured.
    public let sandbox: SandboxProvider?
    public let notifications: NotificationService
    public let recommendations: RecommendationService
    public let accessTokenKeys: AccessTokenKeys
}

/// Opens the configured database: PostgreSQL when a URL is given, else the SQLite file in
/// the data directory.
public func openDatabase(_ configuration: BoxOfficeConfiguration, logger: Logger) async throws -> Database {
    if let url = configuration.databaseURL {
        return Database.postgres(try PostgresLocation(url: url), connectionsMax: configuration.databaseConnectionsMax,
                                 logger: logger)
    }
    try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
    return try await Database.sqlite(path: configuration.sqlitePath, raisingWriterPriority: configuration.raisesSQLiteWriterPriority,
                                     logger: logger)
}

/// Reads the access-token keys, creating a first key (mode 600) when the file does not exist.
public func loadOrCreateAccessTokenKeys(_ configuration: BoxOfficeConfiguration, logger: Logger) throws -> AccessTokenKeys {
    let path = configuration.resolvedAccessTokenKeyFile
    if FileManager.default.fileExists(atPath: path) { return try AccessTokenKeys.load(path: path) }
    try FileManager.default.createDirectory(
        atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
    let keys = AccessTokenKeys(keys: [AccessTokenKeys.generate(kid: "k\(Date().millisecondsSince1970)")])
    try keys.write(to: path)
    logger.notice("created an access-token signing key", metadata: ["file": "\(path)"])
    return keys
}

/// Builds the box office: storage, services, routes and the edge around them.
///
/// `onServerRunning` is called with the port once the server listens (useful with port 0).
public func buildApplication(
    _ configuration: BoxOfficeConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> (application: some ApplicationProtocol, components: BoxOfficeComponents) {
    let database = try await openDatabase(configuration, logger: logger)
    let keys = try loadOrCreateAccessTokenKeys(configuration, logger: logger)
    func seatClient(_ endpoint: BoxOfficeConfiguration.SeatdEndpoint, key: String, name: String) -> SeatClient {
        var seatConfiguration = SeatClient.Configuration(host: endpoint.host, port: endpoint.port, apiKey: key)
        seatConfiguration.clientName = name
        seatConfiguration.connectAttemptsMax = 2
        return SeatClient(configuration: seatConfiguration)
    }
    // Bookings reach seatd with the least role they need; only the catalog's layouts and shows
    // take the admin's key, on connections of their own.
    let seats = configuration.seatd.map { seatClient($0, key: $0.apiKey, name: "boxoffice") }
    let catalogSeats = configuration.seatd.flatMap { endpoint in
        endpoint.adminKey.map { seatClient(endpoint, key: $0, name: "boxoffice-catalog") } ?? seats
    }
    let seatCore = catalogSeats.map { SeatClientCore(client: $0) }
    let catalog = CatalogService(database: database, seats: seatCore ?? NoSeatServer(), now: configuration.accounts.now)
    let signalArchive = RecommendationSignalsArchive()
    let accounts = try await AccountService.make(database: database, keys: keys, configuration: configuration.accounts,
                                                 personalData: [signalArchive, OrderArchive(), ReviewArchive()])
    let recommendations = RecommendationService(
        database: database, catalog: catalog, archive: signalArchive,
        tastes: { userID in
            // A token outlives an erased account: its holder is answered as anyone would be.
            guard let user = try await accounts.userIfPresent(id: userID) else { return DeclaredTastes() }
            return DeclaredTastes(city: user.city, genres: user.preferredGenres, languages: user.preferredLanguages)
        },
        configuration: configuration.recommendations, now: configuration.accounts.now, logger: logger)
    let verifier = await AccessTokenVerifier(keys: keys)
    let sandbox: SandboxProvider?
    let provider: any PaymentProvider
    switch configuration.payments {
    case .sandbox(let settings):
        sandbox = SandboxProvider(configuration: settings, database: database, now: configuration.accounts.now, logger: logger)
        provider = sandbox!
    case .stripe(let settings):
        sandbox = nil
        // A real provider's 429s and outages pause our calls to it (the sandbox never has either).
        provider = BackedOffProvider(StripeProvider(configuration: settings), now: configuration.accounts.now)
    case .razorpay(let settings):
        sandbox = nil
        provider = BackedOffProvider(RazorpayProvider(configuration: settings), now: configuration.accounts.now)
    }
    let booking = BookingService(
        database: database, catalog: catalog, seats: seats, provider: provider, configuration: configuration.booking,
        activity: recommendations, now: configuration.accounts.now, logger: logger)
    let reviews = ReviewService(
        database: database, catalog: catalog,
        hasSeen: { userID, movieID in try await booking.hasSeen(userID: userID, movieID: movieID) },
        authorName: { userID in try await accounts.user(id: userID).name }, activity: recommendations,
        now: configuration.accounts.now)

    var notificationsConfiguration = NotificationsConfiguration(siteURL: configuration.resolvedPublicURL)
    notificationsConfiguration.pollInterval = configuration.notificationsPollInterval
    notificationsConfiguration.retry = configuration.notificationsRetry
    notificationsConfiguration.lease = configuration.notificationsLease
    notificationsConfiguration.from = configuration.mailFrom
    let mail: any MailTransport = try configuration.smtp.map { try SMTPMailer(settings: $0) } ?? MailFolder(path: configuration.resolvedMailFolder)
    let unsubscribeLinks = keys.unsubscribeLinks
    let notifications = try await NotificationService.make(
        database: database, directory: BoxOfficeDirectory(accounts: accounts, catalog: catalog, booking: booking),
        mail: mail, sms: configuration.sms.map { TwilioSMS(configuration: $0) }, configuration: notificationsConfiguration,
        unsubscribeLinks: unsubscribeLinks,
        now: configuration.accounts.now, logger: logger)
    let web = try await WebUI(
        accounts: accounts, catalog: catalog, booking: booking, reviews: reviews, recommendations: recommendations, sandbox: sandbox,
        notifications: notifications, unsubscribeLinks: unsubscribeLinks, verifier: verifier,
        accountsConfiguration: configuration.accounts, secureCookies: configuration.tls != nil || configuration.secureCookies)
    let router = Router(context: BoxOfficeRequestContext.self)
    router.addMiddleware {
        AllowedOriginsMiddleware(origins: configuration.corsAllowedOrigins)
        SecurityHeadersMiddleware(isTLS: configuration.tls != nil)
        ProblemMiddleware()
        MetricsMiddleware()
        LogRequestsMiddleware(.info)
        web.missingPages
    }
    HealthController(database: database, seats: seats, jwks: keys.publicJWKS).addRoutes(to: router)

    let limits = configuration.rateLimits
    let idempotency = IdempotencyMiddleware(database: database, now: configuration.accounts.now)
    let api = router.group("api/v1")
        .add(middleware: AccessTokenAuthenticator(verifier: verifier))
        .add(middleware: PartnerKeyAuthenticator(service: accounts))
    let credentialsLimit = RateLimitMiddleware(
        limits.credentials, keysMax: limits.keysMax, perAddressOnly: true, now: configuration.monotonicNanoseconds)
    let credentials = api.group().add(middleware: credentialsLimit)
    let everythingElse = api.group()
        .add(middleware: RateLimitMiddleware(limits.api, keysMax: limits.keysMax, now: configuration.monotonicNanoseconds))
    AccountsController(service: accounts).addRoutes(credentials: credentials, other: everythingElse, idempotency: idempotency)
    CatalogController(service: catalog, identities: accounts, ratings: reviews, cachingAnswers: configuration.catalogResponseCache,
                      monotonicNanoseconds: configuration.monotonicNanoseconds)
        .addRoutes(to: everythingElse, idempotency: idempotency)
    BookingController(service: booking, identities: accounts).addRoutes(to: everythingElse, idempotency: idempotency)
    ReviewsController(service: reviews, identities: accounts).addRoutes(to: everythingElse, idempotency: idempotency)
    RecommendationsController(service: recommendations, identities: accounts, bookedShow: { orderID, userID in
        guard let order = try? await booking.order(id: orderID, owner: .user(userID)) else { return nil }
        return BookedShow(movieID: order.movieID, theatreID: order.theatreID, showtimeID: order.showtimeID)
    }).addRoutes(to: everythingElse, idempotency: idempotency)
    CampaignController(service: notifications.campaigns, identities: accounts).addRoutes(to: everythingElse, idempotency: idempotency)
    if let sandbox { SandboxController(sandbox: sandbox).addRoutes(to: router.group("sandbox")) }
    TextStatusController(notifications: notifications).addRoutes(to: router)
    web.addRoutes(to: router, credentialsLimit: credentialsLimit)
    router.answerUnsupportedMethods()

    var server = HTTPServerBuilder.http1()
    if let tls = configuration.tls {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChain).map { NIOSSLCertificateSource.certificate($0) }
        let tlsConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)))
        server = try .tls(.http1(), tlsConfiguration: tlsConfiguration)
    }
    // The services that read or write tables, which start once they are migrated.
    let tableServices: [any Service] = [
        Housekeeping(sweeps: [
            .init(name: "expired idempotency keys") { try await idempotency.forgetExpiredKeys() },
            .init(name: "webhook inbox") { try await booking.forgetOldWebhooks() },
            .init(name: "delivered messages") { try await notifications.forgetOldMessages() },
        ], logger: logger),
        CatalogChangeWatcher(catalog: catalog, interval: configuration.catalogRefreshInterval, logger: logger),
        OrderReconciler(booking: booking), OutboxWorker(notifications: notifications),
        RecommendationRebuilder(service: recommendations),
    ] + (sandbox.map { [SandboxWebhookDelivery(sandbox: $0, booking: booking, logger: logger)] } ?? [])
    let migrated = Gate()
    var application = Application(
        router: router, server: server,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "boxoffice"),
        services: [database] + (seatCore.map { [$0.live] } ?? []) + tableServices.map { AfterMigrations(migrated: migrated, service: $0) },
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            if configuration.publicURL == nil, configuration.port == 0 {
                var listening = configuration
                listening.port = port
                notifications.useSiteURL(listening.resolvedPublicURL)
            }
            await onServerRunning(port)
        },
        logger: logger)
    application.beforeServerStarts {
        try await database.migrate(boxOfficeMigrations, logger: logger)
        try await catalog.rebuildSearchIndex()
        migrated.open()
        recommendations.beginBuilding()
    }
    return (application, BoxOfficeComponents(
        database: database, accounts: accounts, catalog: catalog, booking: booking, sandbox: sandbox, notifications: notifications,
        recommendations: recommendations, accessTokenKeys: keys))
}
