import Catalog
import Foundation
import SeatSamples

/// A large catalog made from a seed, for scale tests and benchmarks: by default 10,000 movies
/// (1,500 now showing, 300 coming soon, the rest back catalogue), 1,000 theatres in 40 cities
/// of 12 countries, four to nine screens each, and 500,000 showtimes over the next two weeks.
///
/// Shaped like the real thing where search feels it: demand is skewed (a few films take most
/// showings), big cities have more theatres, titles share common words, names repeat across
/// casts, cities and titles carry accents, and showings follow each theatre's local clock.
public struct GeneratedCatalog {
    public var movies = 10_000
    public var theatres = 1_000
    public var showtimes = 500_000
    public var nowShowingMovies = 1_500
    public var comingSoonMovies = 300
    public var days = 14

    public init() {}

    /// Local start times of a screen's showings: 2 h 45 min apart, room for 150 minutes and the cleaning.
    static let slots: [(hour: Int, minute: Int)] = [(9, 0), (11, 45), (14, 30), (17, 15), (20, 0), (22, 45)]

    struct City {
        var name: String
        var latitude: Double
        var longitude: Double
        var timeZone: String
        var currency: String
        /// A standard seat's price in minor units of the currency.
        var standardPrice: Int64
    }

    static let cities: [City] = [
        City(name: "Mumbai", latitude: 19.076, longitude: 72.877, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 25_000),
        City(name: "Delhi", latitude: 28.613, longitude: 77.209, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 25_000),
        City(name: "London", latitude: 51.507, longitude: -0.128, timeZone: "Europe/London", currency: "GBP", standardPrice: 1_400),
        City(name: "New York", latitude: 40.713, longitude: -74.006, timeZone: "America/New_York", currency: "USD", standardPrice: 1_700),
        City(name: "São Paulo", latitude: -23.551, longitude: -46.633, timeZone: "America/Sao_Paulo", currency: "BRL", standardPrice: 4_000),
        City(name: "Bengaluru", latitude: 12.972, longitude: 77.595, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 22_000),
        City(name: "Paris", latitude: 48.857, longitude: 2.352, timeZone: "Europe/Paris", currency: "EUR", standardPrice: 1_300),
        City(name: "Tokyo", latitude: 35.690, longitude: 139.692, timeZone: "Asia/Tokyo", currency: "JPY", standardPrice: 1_900),
        City(name: "Hyderabad", latitude: 17.385, longitude: 78.487, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 20_000),
        City(name: "Los Angeles", latitude: 34.052, longitude: -118.244, timeZone: "America/Los_Angeles", currency: "USD", standardPrice: 1_800),
        City(name: "Chennai", latitude: 13.083, longitude: 80.271, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 19_000),
        City(name: "Berlin", latitude: 52.520, longitude: 13.405, timeZone: "Europe/Berlin", currency: "EUR", standardPrice: 1_200),
        City(name: "México City", latitude: 19.433, longitude: -99.133, timeZone: "America/Mexico_City", currency: "MXN", standardPrice: 9_000),
        City(name: "Kolkata", latitude: 22.573, longitude: 88.364, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 18_000),
        City(name: "Madrid", latitude: 40.417, longitude: -3.704, timeZone: "Europe/Madrid", currency: "EUR", standardPrice: 1_000),
        City(name: "Pune", latitude: 18.520, longitude: 73.857, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 20_000),
        City(name: "Seoul", latitude: 37.567, longitude: 126.978, timeZone: "Asia/Seoul", currency: "KRW", standardPrice: 15_000),
        City(name: "Chicago", latitude: 41.878, longitude: -87.630, timeZone: "America/Chicago", currency: "USD", standardPrice: 1_500),
        City(name: "Ahmedabad", latitude: 23.023, longitude: 72.571, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 17_000),
        City(name: "Manchester", latitude: 53.481, longitude: -2.243, timeZone: "Europe/London", currency: "GBP", standardPrice: 1_100),
        City(name: "Barcelona", latitude: 41.385, longitude: 2.173, timeZone: "Europe/Madrid", currency: "EUR", standardPrice: 1_000),
        City(name: "Jaipur", latitude: 26.912, longitude: 75.787, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 16_000),
        City(name: "Toronto", latitude: 43.653, longitude: -79.383, timeZone: "America/Toronto", currency: "CAD", standardPrice: 1_600),
        City(name: "Lyon", latitude: 45.764, longitude: 4.836, timeZone: "Europe/Paris", currency: "EUR", standardPrice: 1_100),
        City(name: "Kochi", latitude: 9.931, longitude: 76.267, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 15_000),
        City(name: "München", latitude: 48.135, longitude: 11.582, timeZone: "Europe/Berlin", currency: "EUR", standardPrice: 1_200),
        City(name: "Sydney", latitude: -33.869, longitude: 151.209, timeZone: "Australia/Sydney", currency: "AUD", standardPrice: 2_300),
        City(name: "Lucknow", latitude: 26.847, longitude: 80.946, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 15_000),
        City(name: "Singapore", latitude: 1.352, longitude: 103.820, timeZone: "Asia/Singapore", currency: "SGD", standardPrice: 1_400),
        City(name: "Chandigarh", latitude: 30.733, longitude: 76.779, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 16_000),
        City(name: "Dubai", latitude: 25.205, longitude: 55.271, timeZone: "Asia/Dubai", currency: "AED", standardPrice: 4_500),
        City(name: "Indore", latitude: 22.720, longitude: 75.858, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 14_000),
        City(name: "Jakarta", latitude: -6.208, longitude: 106.846, timeZone: "Asia/Jakarta", currency: "IDR", standardPrice: 5_000_000),
        City(name: "Coimbatore", latitude: 11.017, longitude: 76.956, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 14_000),
        City(name: "Zürich", latitude: 47.377, longitude: 8.542, timeZone: "Europe/Zurich", currency: "CHF", standardPrice: 2_000),
        City(name: "Nagpur", latitude: 21.146, longitude: 79.088, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 13_000),
        City(name: "Kraków", latitude: 50.065, longitude: 19.945, timeZone: "Europe/Warsaw", currency: "PLN", standardPrice: 3_000),
        City(name: "Mysuru", latitude: 12.296, longitude: 76.639, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 12_000),
        City(name: "Montréal", latitude: 45.502, longitude: -73.567, timeZone: "America/Toronto", currency: "CAD", standardPrice: 1_500),
        City(name: "Panaji", latitude: 15.491, longitude: 73.828, timeZone: "Asia/Kolkata", currency: "INR", standardPrice: 15_000),
    ]

    static let chains = ["PVR", "INOX", "Cinépolis", "Odeon", "Vue", "AMC", "Regal", "Cineworld", "Pathé", "CGV", "Independent"]
    public static let genres = ["Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy",
                         "Horror", "Musical", "Romance", "Sci-Fi", "Thriller"]
    static let languages = ["English", "Hindi", "Tamil", "Telugu", "Malayalam", "Kannada", "Bengali", "Marathi", "French",
                            "Spanish", "Japanese", "Korean", "German", "Portuguese"]
    static let certifications = ["U", "UA", "A", "PG", "PG-13", "R", "12A", "15"]
    static let adjectives = ["Silent", "Last", "Broken", "Golden", "Hidden", "Midnight", "Crimson", "Endless", "Forgotten", "Savage",
                             "Electric", "Frozen", "Burning", "Distant", "Wild", "Secret", "Fallen", "Shattered", "Eternal",
                             "Invisible", "Magnificent", "Dangerous", "Beautiful", "Restless", "Lonely", "Brave", "Northern",
                             "Desperate", "Glorious", "Mysterious", "Velvet", "Iron", "Scarlet", "Hollow", "Infinite"]
    static let nouns = ["Horizon", "Kingdom", "River", "Shadow", "Empire", "Garden", "Voyage", "Storm", "Mirror", "Island", "Station",
                        "Symphony", "Harbour", "Frontier", "Labyrinth", "Monsoon", "Desert", "Lantern", "Mountain", "Orchard",
                        "Carnival", "Detective", "Stranger", "Warrior", "Dancer", "Inheritance", "Prophecy", "Paradise",
                        "Revolution", "Conspiracy", "Nightfall", "Daybreak", "Wanderer", "Treasure", "Lighthouse", "Galaxy",
                        "Odyssey", "Requiem", "Serenade", "Ballad", "Tempest", "Cathedral", "Vendetta", "Mirage", "Citadel"]
    static let firstNames = ["Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Deepika", "Arjun", "Kavya", "James", "Emma", "Oliver",
                             "Sophia", "Lucas", "Chloé", "Mateo", "Lucía", "Hiroshi", "Yuki", "Min-jun", "Seo-yeon", "Léa",
                             "Hugo", "Amélie", "Joaquín", "Zoë", "Noah", "Isabella", "Ethan", "Mia", "Rahul", "Meera",
                             "Siddharth", "Aditi", "Karthik", "Lakshmi", "Omar", "Fatima", "Daniel", "Grace", "Björn"]
    static let lastNames = ["Sharma", "Kapoor", "Iyer", "Reddy", "Nair", "Menon", "Khan", "Patel", "Banerjee", "Smith", "Johnson",
                            "Williams", "Brown", "García", "Martínez", "Müller", "Dubois", "Tanaka", "Suzuki", "Kim", "Park",
                            "Rossi", "Bianchi", "O'Brien", "Nguyen", "Silva", "Santos", "Kowalski", "Novák", "Andersson",
                            "Fernández", "Lefèvre", "Schneider", "Yamamoto", "Chatterjee", "Pillai", "Das", "Gupta", "Rao", "Hughes"]

    /// The catalog for `seed`, with showtimes from tomorrow (in each theatre's time zone) on.
    public func make(seed: UInt64, today: Date) -> CatalogImport {
        var random = SplitMix64(seed: seed)
        let layout = SampleVenues.cinema(id: "generated-screen", name: "Screen")
        let movieList = makeMovies(&random, today: today)
        let showing = Array(movieList.prefix(min(nowShowingMovies, movieList.count)))
        let (theatreList, screens) = makeTheatres(&random)
        let showtimeList = makeShowtimes(&random, movies: showing, theatres: theatreList, screens: screens, today: today)
        return CatalogImport(
            movies: movieList, theatres: theatreList.map(\.input),
            screens: screens.map { CatalogImport.ImportedScreen(id: $0.id, theatreID: $0.theatreID, name: $0.name) },
            screenLayoutJSON: Array(try! JSONEncoder().encode(layout)), showtimes: showtimeList)
    }

    static func id(_ random: inout SplitMix64) -> String {
        let high = random.next(), low = random.next()
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: high >> (8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (8 * $0)) }
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return uuid.uuidString.lowercased()
    }

    static func pick<T>(_ values: [T], _ random: inout SplitMix64) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    /// Now showing first (most in demand first), then coming soon, then the back catalogue.
    func makeMovies(_ random: inout SplitMix64, today: Date) -> [CatalogImport.IdentifiedMovie] {
        (0..<movies).map { index in
            let title: String
            switch Int.random(in: 0..<5, using: &random) {
            case 0: title = "The \(Self.pick(Self.adjectives, &random)) \(Self.pick(Self.nouns, &random))"
            case 1: title = "\(Self.pick(Self.nouns, &random)) of the \(Self.pick(Self.nouns, &random))"
            case 2: title = "\(Self.pick(Self.firstNames, &random))'s \(Self.pick(Self.nouns, &random))"
            case 3: title = "\(Self.pick(Self.adjectives, &random)) \(Self.pick(Self.nouns, &random)) \(Int.random(in: 2...4, using: &random))"
            default: title = "\(Self.pick(Self.adjectives, &random)) \(Self.pick(Self.nouns, &random))"
            }
            let releaseDaysAgo: Int
            if index < nowShowingMovies {
                releaseDaysAgo = Int.random(in: 0...90, using: &random)
            } else if index < nowShowingMovies + comingSoonMovies {
                releaseDaysAgo = -Int.random(in: 1...60, using: &random)
            } else {
                releaseDaysAgo = Int.random(in: 91...(365 * 40), using: &random)
            }
            var languages = [Self.pick(Self.languages, &random)]
            if Int.random(in: 0..<3, using: &random) == 0 {
                let dub = Self.pick(Self.languages, &random)
                if dub != languages[0] { languages.append(dub) }
            }
            var formats = ["2D"]
            if Int.random(in: 0..<5, using: &random) == 0 { formats.append("3D") }
            if Int.random(in: 0..<7, using: &random) == 0 { formats.append("IMAX") }
            if Int.random(in: 0..<20, using: &random) == 0 { formats.append("4DX") }
            let genres = Array(Set((0..<Int.random(in: 1...3, using: &random)).map { _ in Self.pick(Self.genres, &random) })).sorted()
            let cast = (0..<Int.random(in: 3...8, using: &random)).map { position in
                CastMember(name: "\(Self.pick(Self.firstNames, &random)) \(Self.pick(Self.lastNames, &random))",
                           role: position == 0 ? "Director" : "")
            }
            let release = today.addingTimeInterval(-Double(releaseDaysAgo) * 86_400)
            return CatalogImport.IdentifiedMovie(id: Self.id(&random), movie: MovieInput(
                title: title, originalTitle: nil, synopsis: "", genres: genres, languages: languages, formats: formats,
                runtimeMinutes: Int.random(in: 80...150, using: &random), certification: Self.pick(Self.certifications, &random),
                releaseDate: CalendarDate.string(release), cast: cast, posterUrl: nil, trailerUrl: nil))
        }
    }

    struct GeneratedTheatre {
        var input: TheatreInput
        var city: City
    }

    struct GeneratedScreen {
        var id: String
        var theatreID: String
        var name: String
        var theatre: Int
    }

    /// Theatres spread over the cities with a skew (the first cities are the biggest), each
    /// within about 15 km of its city's centre.
    func makeTheatres(_ random: inout SplitMix64) -> ([GeneratedTheatre], [GeneratedScreen]) {
        let weights = Self.cities.indices.map { 1 / pow(Double($0 + 1), 0.8) }
        let total = weights.reduce(0, +)
        var theatreList: [GeneratedTheatre] = []
        var screens: [GeneratedScreen] = []
        for index in 0..<theatres {
            var pick = Double.random(in: 0..<total, using: &random)
            var cityIndex = 0
            while pick >= weights[cityIndex], cityIndex < weights.count - 1 {
                pick -= weights[cityIndex]
                cityIndex += 1
            }
            let city = Self.cities[cityIndex]
            let chain = Self.pick(Self.chains, &random)
            let slug = city.name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
                .replacingOccurrences(of: " ", with: "-")
            let theatreID = "\(chain.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil))-\(slug)-\(index)"
            theatreList.append(GeneratedTheatre(input: TheatreInput(
                id: theatreID, chain: chain, name: "\(chain) \(Self.pick(Self.nouns, &random)) \(city.name)",
                address: "\(Int.random(in: 1...500, using: &random)) \(Self.pick(Self.lastNames, &random)) Road", city: city.name,
                latitude: city.latitude + Double.random(in: -0.12...0.12, using: &random),
                longitude: city.longitude + Double.random(in: -0.12...0.12, using: &random),
                timeZone: city.timeZone, amenities: ["Parking", "Food court"]), city: city))
            for screen in 1...Int.random(in: 4...9, using: &random) {
                screens.append(GeneratedScreen(id: Self.id(&random), theatreID: theatreID, name: "Screen \(screen)", theatre: index))
            }
        }
        return (theatreList, screens)
    }

    /// Exactly `showtimes` showings (or every slot, if fewer), chosen evenly from every screen's
    /// slots from tomorrow for `days` days; the film of each by demand (Zipf, exponent 1).
    func makeShowtimes(
        _ random: inout SplitMix64, movies: [CatalogImport.IdentifiedMovie], theatres: [GeneratedTheatre],
        screens: [GeneratedScreen], today: Date
    ) -> [CatalogImport.IdentifiedShowtime] {
        guard !movies.isEmpty else { return [] }
        let demand = movies.indices.map { 1 / Double($0 + 1) }
        var cumulative: [Double] = []
        cumulative.reserveCapacity(demand.count)
        for weight in demand { cumulative.append((cumulative.last ?? 0) + weight) }
        // Local start times per time zone, day and slot, computed once.
        var starts: [String: [[Date]]] = [:]
        for zone in Set(Self.cities.map(\.timeZone)) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: zone)!
            let tomorrow = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: today))!
            starts[zone] = (0..<days).map { day in
                let date = calendar.date(byAdding: .day, value: day, to: tomorrow)!
                return Self.slots.map { calendar.date(bySettingHour: $0.hour, minute: $0.minute, second: 0, of: date)! }
            }
        }
        var candidates = screens.count * days * Self.slots.count
        var wanted = min(showtimes, candidates)
        var result: [CatalogImport.IdentifiedShowtime] = []
        result.reserveCapacity(wanted)
        for screen in screens {
            let theatre = theatres[screen.theatre]
            for day in 0..<days {
                for slot in Self.slots.indices {
                    // Selection sampling: each slot is taken with probability wanted / candidates left.
                    defer { candidates -= 1 }
                    guard Int.random(in: 0..<candidates, using: &random) < wanted else { continue }
                    wanted -= 1
                    let point = Double.random(in: 0..<cumulative.last!, using: &random)
                    var low = 0, high = cumulative.count - 1
                    while low < high {
                        let middle = (low + high) / 2
                        if cumulative[middle] <= point { low = middle + 1 } else { high = middle }
                    }
                    let movie = movies[low]
                    let format = Self.pick(movie.movie.formats, &random)
                    let surcharge = format == "2D" ? 0 : theatre.city.standardPrice * 3 / 10
                    result.append(CatalogImport.IdentifiedShowtime(id: Self.id(&random), showtime: ShowtimeInput(
                        movieId: movie.id, screenId: screen.id, startsAt: starts[theatre.city.timeZone]![day][slot],
                        language: Self.pick(movie.movie.languages, &random), format: format,
                        prices: ["standard": theatre.city.standardPrice + surcharge,
                                 "premium": theatre.city.standardPrice * 8 / 5 + surcharge],
                        currency: theatre.city.currency)))
                }
            }
        }
        return result
    }
}
