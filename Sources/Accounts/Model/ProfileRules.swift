import Foundation

/// Limits and normal forms of profile fields (every stored string has a named bound).
///
/// Lengths are counted in Unicode scalars of the input as sent, before trimming, as JSON
/// Schema's `maxLength` counts them: the contract in `Protocol/openapi.yaml` and this code agree
/// on what is too long.
public enum ProfileRules {
    static let nameScalarsMax = 100
    static let cityScalarsMax = 100
    static let phoneScalarsMax = 32
    static let preferencesMax = 20
    static let preferenceScalarsMax = 40

    static func name(_ raw: String, field: String = "name") throws(AccountError) -> String {
        guard raw.unicodeScalars.count <= nameScalarsMax else {
            throw .invalidField(field: field, message: "must be at most \(nameScalarsMax) characters")
        }
        guard !containsControlCharacters(raw) else {
            throw .invalidField(field: field, message: "must not contain control characters")
        }
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw .invalidField(field: field, message: "must not be empty") }
        return name
    }

    static func city(_ raw: String?) throws(AccountError) -> String? {
        guard let raw else { return nil }
        guard raw.unicodeScalars.count <= cityScalarsMax, !containsControlCharacters(raw) else {
            throw .invalidField(field: "city", message: "must be at most \(cityScalarsMax) printable characters")
        }
        let city = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return city.isEmpty ? nil : city
    }

    /// E.164: a plus sign and 8 to 15 digits (spaces and dashes are dropped).
    static func phone(_ raw: String?) throws(AccountError) -> String? {
        guard let raw else { return nil }
        let compact = raw.filter { $0 != " " && $0 != "-" }
        if raw.unicodeScalars.count <= phoneScalarsMax, compact.isEmpty { return nil }
        // E.164: a plus, then a country code (never starting with 0) and the number, 8 to 15 digits in all.
        guard raw.unicodeScalars.count <= phoneScalarsMax, compact.first == "+", compact.dropFirst().first != "0",
              (8...15).contains(compact.count - 1), compact.dropFirst().allSatisfy(\.isASCIIDigitCharacter)
        else { throw .invalidField(field: "phone", message: "must be an international number such as +919876543210") }
        return compact
    }

    /// The languages messages are written in, by code, with each one's own name for itself.
    public static let messageLanguages: KeyValuePairs<String, String> = ["en": "English", "hi": "हिन्दी"]

    /// A supported language code; nil or empty for the default (English).
    static func messageLanguage(_ raw: String?) throws(AccountError) -> String? {
        guard let raw, !raw.isEmpty, raw != "en" else { return nil }
        guard messageLanguages.contains(where: { $0.key == raw }) else {
            throw .invalidField(field: "messageLanguage", message: "must be one of \(messageLanguages.map(\.key).joined(separator: ", "))")
        }
        return raw
    }

    static func preferences(_ raw: [String]?, field: String) throws(AccountError) -> [String]? {
        guard let raw else { return nil }
        guard raw.count <= preferencesMax else { throw .invalidField(field: field, message: "must list at most \(preferencesMax) entries") }
        var seen: [String] = []
        for entry in raw {
            let value = entry.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard entry.unicodeScalars.count <= preferenceScalarsMax, !value.isEmpty,
                  value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == " " })
            else { throw .invalidField(field: field, message: "entries must be 1 to \(preferenceScalarsMax) letters, digits, spaces or dashes") }
            if !seen.contains(value) { seen.append(value) }
        }
        return seen
    }

    static func containsControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
