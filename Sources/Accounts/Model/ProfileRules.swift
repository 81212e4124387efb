import Foundation

/// Limits and normal forms of profile fields (every stored string has a named bound).
enum ProfileRules {
    static let nameCharactersMax = 100
    static let cityCharactersMax = 100
    static let phoneCharactersMax = 20
    static let preferencesMax = 20
    static let preferenceCharactersMax = 40

    static func name(_ raw: String, field: String = "name") throws(AccountError) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw .invalidField(field: field, message: "must not be empty") }
        guard name.count <= nameCharactersMax else {
            throw .invalidField(field: field, message: "must be at most \(nameCharactersMax) characters")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidField(field: field, message: "must not contain control characters")
        }
        return name
    }

    static func city(_ raw: String?) throws(AccountError) -> String? {
        guard let raw else { return nil }
        let city = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if city.isEmpty { return nil }
        guard city.count <= cityCharactersMax, !city.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidField(field: "city", message: "must be at most \(cityCharactersMax) printable characters")
        }
        return city
    }

    /// E.164: a plus sign and 8 to 15 digits (spaces and dashes are dropped).
    static func phone(_ raw: String?) throws(AccountError) -> String? {
        guard let raw else { return nil }
        let compact = raw.filter { $0 != " " && $0 != "-" }
        if compact.isEmpty { return nil }
        guard compact.count <= phoneCharactersMax, compact.first == "+",
              (8...15).contains(compact.count - 1), compact.dropFirst().allSatisfy(\.isASCIIDigitCharacter)
        else { throw .invalidField(field: "phone", message: "must be an international number such as +919876543210") }
        return compact
    }

    static func preferences(_ raw: [String]?, field: String) throws(AccountError) -> [String]? {
        guard let raw else { return nil }
        guard raw.count <= preferencesMax else { throw .invalidField(field: field, message: "must list at most \(preferencesMax) entries") }
        var seen: [String] = []
        for entry in raw {
            let value = entry.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard !value.isEmpty, value.count <= preferenceCharactersMax,
                  value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == " " })
            else { throw .invalidField(field: field, message: "entries must be 1 to \(preferenceCharactersMax) letters, digits, spaces or dashes") }
            if !seen.contains(value) { seen.append(value) }
        }
        return seen
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
