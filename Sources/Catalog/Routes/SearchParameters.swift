import BoxOfficeEdge
import Foundation
import Hummingbird
import Search

/// `GET /search`'s query string, read into a `SearchQuery`; every parameter is checked and a
/// bad one named.
public enum SearchParameters {
    static let offsetMax = 10_000
    static let listEntriesMax = 20

    /// Local times of day a person asks for by name, in minutes after midnight.
    static let timesOfDay: [String: ClosedRange<Int>] = [
        "morning": 360...719, "afternoon": 720...1019, "evening": 1020...1319, "night": 1320...1439,
    ]

    public static func query(from parameters: Parameters) throws -> SearchQuery {
        var query = SearchQuery()
        if let text = parameters["q"] {
            guard text.unicodeScalars.count <= SearchQuery.textCharactersMax else {
                throw Problem.validation(field: "q", "must be at most \(SearchQuery.textCharactersMax) characters")
            }
            query.text = String(text)
        }
        query.cities = try list(parameters, "city")
        query.genres = try list(parameters, "genre")
        query.languages = try list(parameters, "language")
        query.formats = try list(parameters, "format")
        query.theatreIDs = try list(parameters, "theatre")
        query.certifications = try list(parameters, "certification")
        if let date = parameters["date"] {
            let zoneName = parameters["timeZone"].map(String.init) ?? "UTC"
            guard let zone = TimeZone(identifier: zoneName) else {
                throw Problem.validation(field: "timeZone", "must be an IANA time zone such as Asia/Kolkata")
            }
            guard let start = day(String(date), in: zone) else { throw Problem.validation(field: "date", "must be a date as YYYY-MM-DD") }
            query.startsFromMs = Int64(start.timeIntervalSince1970 * 1000)
            query.startsBeforeMs = query.startsFromMs! + 86_400_000
        }
        if let time = parameters["time"] {
            guard let minutes = timesOfDay[String(time)] else {
                throw Problem.validation(field: "time", "must be morning, afternoon, evening or night")
            }
            query.localMinutes = minutes
        }
        query.lowestPriceAtMostMinor = try QueryParameters.integer(parameters, "priceMax", in: 0...1_000_000_000).map(Int64.init)
        let latitude = try number(parameters, "lat", in: -90...90)
        let longitude = try number(parameters, "lon", in: -180...180)
        let radius = try number(parameters, "radiusKm", in: 0.1...500)
        switch (latitude, longitude, radius) {
        case (nil, nil, nil): break
        case let (latitude?, longitude?, radius?):
            query.near = .init(latitude: latitude, longitude: longitude, radiusKilometres: radius)
        default:
            throw Problem.validation(field: "lat", "lat, lon and radiusKm go together")
        }
        query.offset = try QueryParameters.integer(parameters, "offset", in: 0...offsetMax) ?? 0
        query.limit = try QueryParameters.integer(parameters, "limit", in: 1...SearchQuery.limitMax) ?? 20
        return query
    }

    static func list(_ parameters: Parameters, _ name: String) throws -> Set<String> {
        guard let text = parameters[Substring(name)] else { return [] }
        let values = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard values.count <= listEntriesMax, values.allSatisfy({ $0.unicodeScalars.count <= 100 }) else {
            throw Problem.validation(field: name, "must be at most \(listEntriesMax) comma-separated values of at most 100 characters")
        }
        return Set(values)
    }

    static func number(_ parameters: Parameters, _ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = parameters[Substring(name)] else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw Problem.validation(field: name, "must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The start of a `YYYY-MM-DD` day in `zone`.
    static func day(_ text: String, in zone: TimeZone) -> Date? {
        let parts = text.split(separator: "-")
        guard text.utf8.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day)
        guard calendar.date(from: components) != nil, let date = calendar.date(from: components),
              calendar.component(.day, from: date) == day
        else { return nil }
        return date
    }
}
