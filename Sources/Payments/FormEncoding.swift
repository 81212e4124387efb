import Foundation

/// `application/x-www-form-urlencoded`, the request format of Stripe's and Twilio's APIs:
/// everything but letters, digits and `-._~` percent-encoded.
public enum FormEncoding {
    public static func encoded(_ form: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return form.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
