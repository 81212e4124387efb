import Foundation

/// The keys the journal and snapshots are encrypted with, by id: the current one for new files,
/// and older ones so that files written before a rotation stay readable.
///
/// A key file holds one key per line, `ID:KEY` with ID a decimal number (1 to 4294967295) and KEY
/// 64 hexadecimal digits (32 bytes); blank lines and lines starting with `#` are ignored. The
/// last key listed is the current one. Rotating: add a line with a new id and key at the end,
/// restart; new segments and snapshots use it, older ones are read with theirs; once no file
/// names an old id (after `--snapshots-kept` snapshots have been taken and the segments before
/// them deleted), its line may go. A file whose key is missing is refused at start, never
/// skipped.
public struct EncryptionKeys: Sendable {
    public let currentID: UInt32
    private let keys: [UInt32: [UInt8]]

    public init(keys: [(id: UInt32, key: [UInt8])]) throws(EncryptionError) {
        guard let current = keys.last else { throw .invalidKeys("no key given") }
        var byID: [UInt32: [UInt8]] = [:]
        for (id, key) in keys {
            guard id != 0 else { throw .invalidKeys("key id 0 is reserved") }
            guard key.count == AESGCM.keyBytes else { throw .invalidKeys("key \(id) has \(key.count) bytes, not \(AESGCM.keyBytes)") }
            guard byID.updateValue(key, forKey: id) == nil else { throw .invalidKeys("key id \(id) is listed twice") }
        }
        currentID = current.id
        self.keys = byID
    }

    /// Parses a key file's text (see the type's documentation).
    public init(parsing text: String) throws(EncryptionError) {
        var parsed: [(id: UInt32, key: [UInt8])] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let id = UInt32(parts[0]), let key = Self.bytes(hex: parts[1]) else {
                throw .invalidKeys("line \(number + 1) is not ID:KEY with KEY 64 hexadecimal digits")
            }
            parsed.append((id, key))
        }
        try self.init(keys: parsed)
    }

    /// Reads a key file, which only its owner may read: a key readable by others is not secret.
    public init(file path: String) throws(EncryptionError) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .invalidKeys("cannot read \(path): \(String(cString: strerror(errno)))") }
        guard status.st_mode & 0o077 == 0 else {
            throw .invalidKeys("\(path) may be read by others (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        let bytes: [UInt8]
        do {
            bytes = try JournalFiles.readAll(path)
        } catch {
            throw .invalidKeys("cannot read \(path): \(error)")
        }
        try self.init(parsing: String(decoding: bytes, as: UTF8.self))
    }

    public var current: (id: UInt32, key: [UInt8]) { (currentID, keys[currentID]!) }

    /// The key with `id`; throws naming `path`, the file that needs it.
    func key(_ id: UInt32, for path: String) throws(EncryptionError) -> [UInt8] {
        guard let key = keys[id] else { throw .keyMissing(path: path, keyID: id) }
        return key
    }

    /// A new random key, as the 64 hexadecimal digits of a key file.
    public static func randomKeyHex() throws(EncryptionError) -> String {
        try Secrets.randomHex(bytes: AESGCM.keyBytes)
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * AESGCM.keyBytes else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why encrypted state cannot be written or read.
public enum EncryptionError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidKeys(String)
    /// A file is encrypted with a key id the keys given do not have.
    case keyMissing(path: String, keyID: UInt32)
    /// A file is encrypted, and no keys were given at all.
    case keysRequired(path: String, keyID: UInt32)
    /// A header or frame does not authenticate: the key is wrong or the bytes were changed.
    case authenticationFailed
    /// The header of an encrypted file does not authenticate under the key its id names.
    case wrongKeyOrDamagedHeader(path: String, keyID: UInt32)
    case crypto(String)

    public var description: String {
        switch self {
        case .invalidKeys(let reason): "encryption keys: \(reason)"
        case .keyMissing(let path, let id):
            "\(path) is encrypted with key \(id), which is not among the keys given: list it in --encryption-key-file"
        case .keysRequired(let path, let id):
            "\(path) is encrypted (key \(id)) and no keys were given: start with --encryption-key-file"
        case .authenticationFailed: "the data does not authenticate: wrong key, or damaged"
        case .wrongKeyOrDamagedHeader(let path, let id):
            "\(path) does not authenticate under key \(id): the key listed under that id is not the one it was written with, or the file is damaged; refusing to start rather than lose it"
        case .crypto(let operation): "OpenSSL failed in \(operation)"
        }
    }
}
