import Accounts
import Booking
import BoxOfficeEdge
import Catalog
import Hummingbird
import Notifications
import Payments
import Recommendations
import Reviews

/// The box office in a browser: server-rendered pages that work before any script loads, with
/// small script modules for the seat map, the hold's countdown and search suggestions. It
/// reaches the services the API reaches, in process, with the person's identity from cookies.
public struct WebUI: Sendable {
    let renderer: PageRenderer
    let accounts: AccountService
    let catalog: CatalogService
    let booking: BookingService
    let reviews: ReviewService
    let recommendations: RecommendationService
    let sandbox: SandboxProvider?
    let notifications: NotificationService
    let unsubscribeLinks: UnsubscribeLinks
    let verifier: AccessTokenVerifier
    let cookies: SessionCookies

    /// - Parameter secureCookies: mark the cookies `Secure` (whenever browsers reach the site
    ///   over HTTPS, directly or through a proxy that terminates TLS).
    public init(
        accounts: AccountService, catalog: CatalogService, booking: BookingService, reviews: ReviewService,
        recommendations: RecommendationService, sandbox: SandboxProvider?,
        notifications: NotificationService, unsubscribeLinks: UnsubscribeLinks, verifier: AccessTokenVerifier, accountsConfiguration: AccountsConfiguration, secureCookies: Bool
    ) async throws {
        renderer = try await PageRenderer.load()
        self.accounts = accounts
        self.catalog = catalog
        self.booking = booking
        self.reviews = reviews
        self.recommendations = recommendations
        self.sandbox = sandbox
        self.notifications = notifications
        self.unsubscribeLinks = unsubscribeLinks
        self.verifier = verifier
        cookies = SessionCookies(isSecure: secureCookies, accessLifetime: accountsConfiguration.accessTokenLifetime,
                                 refreshLifetime: accountsConfiguration.refreshTokenLifetime)
    }

    /// Answers browsers' requests for pages that do not exist; add it with the router's own middleware.
    public var missingPages: MissingPages { MissingPages(renderer: renderer) }

    /// Adds the pages and their files. `credentialsLimit` is the API's per-address limit on
    /// sign-in attempts, applied to the sign-in and sign-up pages too.
    public func addRoutes(to router: Router<BoxOfficeRequestContext>, credentialsLimit: RateLimitMiddleware) {
        let assets = renderer.assets
        router.get("static/{name}") { request, context -> Response in
            let name = try context.parameters.require("name")
            guard let response = assets.response(name, request: request, cacheForever: request.uri.queryParameters["v"] != nil) else {
                throw Problem.notFound("No such file.")
            }
            return response
        }
        for name in ["sw.js", "manifest.webmanifest"] {
            router.get(RouterPath(name)) { request, _ -> Response in
                guard let response = assets.response(name, request: request, cacheForever: false) else { throw Problem.notFound("No such file.") }
                return response
            }
        }
        LiveSeatsStream(catalog: catalog).addRoutes(to: router)
        let refresher = SessionRefresher(accounts: accounts)
        func pages(_ parent: RouterGroup<BoxOfficeRequestContext>) -> RouterGroup<WebRequestContext> {
            parent.group(context: WebRequestContext.self)
                .add(middleware: WebSessionMiddleware(verifier: verifier, refresher: refresher, cookies: cookies))
                .add(middleware: CSRFMiddleware(cookies: cookies, renderer: renderer))
                .add(middleware: ErrorPages(renderer: renderer))
        }
        let web = pages(router.group())
        let credentials = pages(router.group().add(middleware: LimitedPages(renderer: renderer)).add(middleware: credentialsLimit))
        AccountPages(renderer: renderer, accounts: accounts, cookies: cookies).addRoutes(credentials: credentials, other: web)
        AccountSettingsPages(renderer: renderer, accounts: accounts, cookies: cookies).addRoutes(to: web)
        MailLinkPages(renderer: renderer, accounts: accounts, unsubscribeLinks: unsubscribeLinks).addRoutes(credentials: credentials, other: web)
        BrowsePages(renderer: renderer, catalog: catalog, reviews: reviews, recommendations: recommendations).addRoutes(to: web)
        SeatSelectionPage(renderer: renderer, catalog: catalog, booking: booking).addRoutes(to: web)
        OrderPages(renderer: renderer, catalog: catalog, booking: booking, recommendations: recommendations, isSandbox: sandbox != nil)
            .addRoutes(to: web)
        StaffPages(renderer: renderer, catalog: catalog, booking: booking).addRoutes(to: web)
        ModerationPages(renderer: renderer, catalog: catalog, reviews: reviews).addRoutes(to: web)
        AdminCatalogPages(renderer: renderer, catalog: catalog).addRoutes(to: web)
        NotificationAdminPages(renderer: renderer, notifications: notifications).addRoutes(to: web)
        if let sandbox { SandboxBankPage(renderer: renderer, sandbox: sandbox).addRoutes(to: web) }
    }
}
