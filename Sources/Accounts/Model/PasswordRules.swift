/// What a new password must be (NIST SP 800-63B: length over composition rules, no known-bad
/// passwords, no hints of the account itself).
public struct PasswordRules: Sendable {
    public static let charactersMin = 10
    /// bcrypt reads only the first 72 bytes; a longer password would silently lose its tail.
    public static let bytesMax = 72

    /// The most common passwords of at least the minimum length (leaked-password lists); a
    /// password equal to one of these, ignoring case, is refused.
    static let common: Set<String> = [
        "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "1q2w3e4r5t",
        "qwertyuiop", "password12", "password123", "password1234", "iloveyou12", "abcdefghij",
        "qwerty1234", "qwerty12345", "1qaz2wsx3edc", "asdfghjkl1", "letmein123", "welcome123",
        "football12", "baseball12", "sunshine12", "princess12", "dragon1234", "monkey1234",
        "passw0rd12", "admin12345", "changeme12", "trustno1234", "zaq12wsxcde", "q1w2e3r4t5",
        "1234qwerty", "987654321a", "a123456789", "123123123123", "123456789a", "superman12",
    ]

    public enum Violation: Error, Equatable, CustomStringConvertible {
        case tooShort, tooLong, common, containsEmail, controlCharacters

        public var description: String {
            switch self {
            case .tooShort: "must be at least \(PasswordRules.charactersMin) characters"
            case .tooLong: "must be at most \(PasswordRules.bytesMax) bytes"
            case .common: "is too common; choose a password nobody else would"
            case .containsEmail: "must not contain your email address"
            case .controlCharacters: "must not contain control characters"
            }
        }
    }

    public static func check(_ password: String, email: EmailAddress) throws(Violation) {
        guard password.count >= charactersMin else { throw .tooShort }
        guard password.utf8.count <= bytesMax else { throw .tooLong }
        // bcrypt reads a C string: everything after a NUL would be silently ignored.
        guard !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .controlCharacters
        }
        let lowered = password.lowercased()
        guard !common.contains(lowered) else { throw .common }
        let localPart = email.value.split(separator: "@").first.map(String.init) ?? email.value
        guard !lowered.contains(email.value), localPart.count < 4 || !lowered.contains(localPart) else {
            throw .containsEmail
        }
    }
}
