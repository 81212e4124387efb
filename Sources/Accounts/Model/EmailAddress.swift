import Foundation

/// An email address in the one form the box office stores and compares: trimmed and lowercased
/// (mailbox providers treat local parts case-insensitively in practice, and two accounts that
/// differ only in case would be a support nightmare).
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// RFC 5321's limit on a forward path.
    public static let bytesMax = 254

    public let value: String
    public var description: String { value }

    public enum Invalid: Error, Equatable {
        case empty, tooLong, malformed
    }

    public init(_ raw: String) throws(Invalid) {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !trimmed.isEmpty else { throw .empty }
        guard trimmed.utf8.count <= Self.bytesMax else { throw .tooLong }
        // One "@", a non-empty local part, a domain with a dot and no empty labels, and nothing
        // that could break a header or a log line. Deliverability is proven by the verification mail.
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { throw .malformed }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }) else { throw .malformed }
        guard trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !"<>()[],;:\\\"".unicodeScalars.contains($0) })
        else { throw .malformed }
        value = trimmed
    }
}

extension EmailAddress.Invalid: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty: "must not be empty"
        case .tooLong: "must be at most \(EmailAddress.bytesMax) bytes"
        case .malformed: "is not an email address"
        }
    }
}
