import BoxOfficeEdge
import Foundation

/// The limits and shapes of catalog fields; lengths in Unicode scalars, as JSON Schema counts.
enum CatalogRules {
    static let titleScalarsMax = 200
    static let synopsisScalarsMax = 5_000
    static let listEntriesMax = 20
    static let listEntryScalarsMax = 40
    static let castMax = 100
    static let urlScalarsMax = 2_000
    static let runtimeMinutes = 1...600
    /// A screen is cleaned between two showings for at least this long.
    static let turnaroundMilliseconds: Int64 = 15 * 60_000
    static let priceMinorMax: Int64 = 1_000_000_000

    static func text(_ raw: String, field: String, max: Int, allowEmpty: Bool = false) throws(CatalogError) -> String {
        guard raw.unicodeScalars.count <= max else {
            throw .invalidField(field: field, message: "must be at most \(max) characters")
        }
        guard !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) else {
            throw .invalidField(field: field, message: "must not contain control characters")
        }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard allowEmpty || !value.isEmpty else { throw .invalidField(field: field, message: "must not be empty") }
        return value
    }

    static func list(_ raw: [String], field: String) throws(CatalogError) -> [String] {
        guard raw.count <= listEntriesMax else { throw .invalidField(field: field, message: "must list at most \(listEntriesMax) entries") }
        var values: [String] = []
        for (index, entry) in raw.enumerated() {
            let value = try text(entry, field: "\(field)/\(index)", max: listEntryScalarsMax)
            if !values.contains(where: { $0.caseInsensitiveCompare(value) == .orderedSame }) { values.append(value) }
        }
        return values
    }

    static func url(_ raw: String?, field: String) throws(CatalogError) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        guard raw.unicodeScalars.count <= urlScalarsMax, let url = URL(string: raw), ["https", "http"].contains(url.scheme ?? ""),
              url.host != nil
        else { throw .invalidField(field: field, message: "must be an http or https URL") }
        return raw
    }

    /// `YYYY-MM-DD`, a real calendar date.
    static func date(_ raw: String, field: String) throws(CatalogError) -> String {
        let parts = raw.split(separator: "-")
        guard raw.utf8.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1888...2200).contains(year), (1...12).contains(month),
              (1...Self.days(inMonth: month, of: year)).contains(day)
        else { throw .invalidField(field: field, message: "must be a date as YYYY-MM-DD") }
        return raw
    }

    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Theatre ids: 1 to 64 lowercase letters, digits and dashes (accounts name them the same way).
    static func theatreID(_ raw: String) throws(CatalogError) -> String {
        guard Identifiers.isTheatreID(raw) else { throw .invalidField(field: "id", message: "must be 1 to 64 lowercase letters, digits and dashes") }
        return raw
    }
}
