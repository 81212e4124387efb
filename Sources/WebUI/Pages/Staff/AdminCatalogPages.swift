import BoxOfficeEdge
import Catalog
import Foundation
import Hummingbird

/// The catalog's admin pages: adding a movie and a theatre (screens and showtimes are the
/// theatre's own pages). Admins only.
struct AdminCatalogPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let catalog: CatalogService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("admin/catalog", use: page)
        group.post("admin/movies", use: createMovie)
        group.post("admin/theatres", use: createTheatre)
    }

    struct Content: Sendable {
        var movies: [MovieCard]
        var notice: String?
        var error: ErrorView?
        var movie = MovieForm()
        var theatre = TheatreForm()
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        try Self.requireAdmin(context)
        let notice = request.uri.queryParameters["added"].map { "\($0 == "theatre" ? "The theatre" : "The movie") was added." }
        return render(Content(movies: [], notice: notice), context: context)
    }

    func render(_ content: Content, context: Context) -> Response {
        var content = content
        content.movies = catalog.movies(ids: Array(Set(catalog.searchIndex.documents.map(\.movieID)))).values
            .sorted { $0.title < $1.title }.map { MovieCard($0) }
        return renderer.render("admin-catalog", title: "Catalog", content: content, context: context, status: content.error?.status ?? .ok)
    }

    struct MovieForm: Decodable, Sendable {
        var title = ""
        var synopsis = ""
        var genres = ""
        var languages = ""
        var formats = "2D"
        var runtimeMinutes = ""
        var certification = ""
        var releaseDate = ""
        var posterUrl = ""
    }

    @Sendable func createMovie(_ request: Request, context: Context) async throws -> Response {
        try Self.requireAdmin(context)
        var request = request
        let form = try await request.form(MovieForm.self, context: context)
        do {
            guard let runtime = Int(form.runtimeMinutes.trimmingCharacters(in: .whitespaces)) else {
                throw WebError.invalidForm("Give the running time in whole minutes.")
            }
            let input = MovieInput(
                title: form.title, originalTitle: nil, synopsis: form.synopsis, genres: Self.list(form.genres),
                languages: Self.list(form.languages), formats: Self.list(form.formats), runtimeMinutes: runtime,
                certification: form.certification, releaseDate: form.releaseDate, cast: nil,
                posterUrl: form.posterUrl.isEmpty ? nil : form.posterUrl, trailerUrl: nil)
            let movie = try await catalog.createMovie(input)
            return PageRenderer.redirect(to: "/movies/\(movie.id)")
        } catch let error where error is CatalogError || error is WebError || error is Problem {
            return render(Content(movies: [], error: ErrorView(error, context: context), movie: form), context: context)
        }
    }

    struct TheatreForm: Decodable, Sendable {
        var id = ""
        var chain = ""
        var name = ""
        var address = ""
        var city = ""
        var latitude = ""
        var longitude = ""
        var timeZone = "Asia/Kolkata"
    }

    @Sendable func createTheatre(_ request: Request, context: Context) async throws -> Response {
        try Self.requireAdmin(context)
        var request = request
        let form = try await request.form(TheatreForm.self, context: context)
        do {
            guard let latitude = Double(form.latitude), let longitude = Double(form.longitude) else {
                throw WebError.invalidForm("Give the latitude and longitude as decimal degrees, such as 19.0760 and 72.8777.")
            }
            let input = TheatreInput(id: form.id, chain: form.chain, name: form.name, address: form.address, city: form.city,
                                     latitude: latitude, longitude: longitude, timeZone: form.timeZone, amenities: nil)
            let theatre = try await catalog.createTheatre(input)
            return PageRenderer.redirect(to: "/staff/theatres/\(theatre.id)")
        } catch let error where error is CatalogError || error is WebError || error is Problem {
            return render(Content(movies: [], error: ErrorView(error, context: context), theatre: form), context: context)
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func requireAdmin(_ context: Context, returnTo: String = "/admin/catalog") throws {
        let identity = try context.signedIn(returnTo: returnTo)
        guard identity.isAdmin else { throw WebError.forbidden("The catalog is edited by admins.") }
    }
}
