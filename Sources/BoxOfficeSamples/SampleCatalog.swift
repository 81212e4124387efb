import Catalog
import Foundation
import SeatSamples

/// The sample catalog `scripts/run` starts with: four cities, twelve theatres of three screens
/// (each the 300-seat sample cinema), forty movies (four coming soon), and two weeks of
/// showtimes from today, four a day per screen.
public enum SampleCatalog {
    /// Local start times of the day's showings; four hours apart, so the longest film and the
    /// cleaning after it fit.
    static let slots: [(hour: Int, minute: Int)] = [(9, 30), (13, 30), (17, 30), (21, 30)]
    static let days = 14
    static let timeZone = TimeZone(identifier: "Asia/Kolkata")!

    static let theatres: [(id: String, chain: String, name: String, address: String, city: String, latitude: Double, longitude: Double)] = [
        ("pvr-phoenix-pune", "PVR", "PVR Phoenix Marketcity", "Viman Nagar", "Pune", 18.562, 73.917),
        ("inox-bund-garden-pune", "INOX", "INOX Bund Garden", "Bund Garden Road", "Pune", 18.537, 73.884),
        ("cinepolis-seasons-pune", "Cinépolis", "Cinépolis Seasons Mall", "Magarpatta", "Pune", 18.519, 73.931),
        ("pvr-juhu-mumbai", "PVR", "PVR Juhu", "Juhu Tara Road", "Mumbai", 19.107, 72.827),
        ("inox-nariman-mumbai", "INOX", "INOX Nariman Point", "Nariman Point", "Mumbai", 18.925, 72.823),
        ("regal-colaba-mumbai", "Independent", "Regal Cinema", "Colaba Causeway", "Mumbai", 18.923, 72.832),
        ("pvr-orion-bengaluru", "PVR", "PVR Orion Mall", "Rajajinagar", "Bengaluru", 13.011, 77.555),
        ("inox-garuda-bengaluru", "INOX", "INOX Garuda Mall", "Magrath Road", "Bengaluru", 12.970, 77.610),
        ("cinepolis-nexus-bengaluru", "Cinépolis", "Cinépolis Nexus Shantiniketan", "Whitefield", "Bengaluru", 12.990, 77.728),
        ("pvr-select-delhi", "PVR", "PVR Select Citywalk", "Saket", "Delhi", 28.528, 77.219),
        ("inox-nehru-place-delhi", "INOX", "INOX Nehru Place", "Nehru Place", "Delhi", 28.549, 77.251),
        ("delite-daryaganj-delhi", "Independent", "Delite Cinema", "Asaf Ali Road", "Delhi", 28.641, 77.236),
    ]

    /// Loads everything through `catalog`, which defines each screen's layout and each
    /// showtime's show in the seat server. Returns what it made.
    public static func load(into catalog: CatalogService, today: Date) async throws -> (movies: Int, theatres: Int, showtimes: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let startOfToday = calendar.startOfDay(for: today)
        var showing: [Movie] = []
        for (index, film) in SampleMovies.films.enumerated() {
            let releaseDate: String
            if film.year > 0 {
                // Only the year is meant; the day is nominal.
                releaseDate = "\(film.year)-01-01"
            } else {
                let release = calendar.date(byAdding: .day, value: 10 + 7 * index % 30, to: startOfToday)!
                releaseDate = CalendarDate.string(release, in: timeZone)
            }
            let movie = try await catalog.createMovie(MovieInput(
                title: film.title, originalTitle: film.originalTitle, synopsis: "", genres: film.genres, languages: film.languages,
                formats: film.formats, runtimeMinutes: film.runtime, certification: film.certification, releaseDate: releaseDate,
                cast: film.cast.map { CastMember(name: $0, role: "") }, posterUrl: nil, trailerUrl: nil), refreshingSearch: false)
            if film.year > 0 { showing.append(movie) }
        }
        var showtimes = 0
        for (theatreIndex, theatre) in theatres.enumerated() {
            _ = try await catalog.createTheatre(TheatreInput(
                id: theatre.id, chain: theatre.chain, name: theatre.name, address: theatre.address, city: theatre.city,
                latitude: theatre.latitude, longitude: theatre.longitude, timeZone: timeZone.identifier, amenities: ["Parking", "Food court"]))
            for screenIndex in 0..<3 {
                let layout = SampleVenues.cinema(id: "\(theatre.id)-\(screenIndex + 1)", name: "Audi \(screenIndex + 1)")
                let screen = try await catalog.createScreen(
                    theatreID: theatre.id, name: "Audi \(screenIndex + 1)", layoutJSON: Array(try JSONEncoder().encode(layout)))
                for day in 0..<days {
                    for (slotIndex, slot) in slots.enumerated() {
                        let dayStart = calendar.date(byAdding: .day, value: day, to: startOfToday)!
                        let start = calendar.date(bySettingHour: slot.hour, minute: slot.minute, second: 0, of: dayStart)!
                        guard start > today else { continue }
                        // Like a real cinema, the big screen keeps the featured film (the first) in the
                        // evenings; the other showings rotate through the rest.
                        let isFeatured = screenIndex == 0 && slotIndex >= 2
                        let movie = isFeatured ? showing[0]
                            : showing[1 + (theatreIndex * 7 + screenIndex * 3 + slotIndex + day) % (showing.count - 1)]
                        let format = screenIndex == 0 && movie.formats.contains("IMAX") ? "IMAX" : movie.formats[0]
                        let surcharge: Int64 = format == "IMAX" ? 10_000 : 0
                        _ = try await catalog.createShowtime(theatreID: theatre.id, ShowtimeInput(
                            movieId: movie.id, screenId: screen.id, startsAt: start, language: movie.languages[0], format: format,
                            prices: ["standard": 25_000 + surcharge, "premium": 40_000 + surcharge], currency: "INR"),
                            refreshingSearch: false)
                        showtimes += 1
                    }
                }
            }
        }
        try await catalog.rebuildSearchIndex()
        return (SampleMovies.films.count, theatres.count, showtimes)
    }
}
