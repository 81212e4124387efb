/// An API key as the journal and snapshots keep it: its SHA-256 digest, never its secret.
public struct StoredAPIKey: Hashable, Sendable {
    public let id: UInt32
    /// The role's protocol value (1 reader, 2 agent, 3 admin).
    public let role: UInt8
    public let name: String
    public let digest: [UInt8]
    /// Unix milliseconds.
    public let createdAt: UInt64
    /// Unix milliseconds; nil while the key works.
    public var revokedAt: UInt64?

    public init(id: UInt32, role: UInt8, name: String, digest: [UInt8], createdAt: UInt64, revokedAt: UInt64? = nil) {
        self.id = id
        self.role = role
        self.name = name
        self.digest = digest
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Keys stored at most, revoked ones included (their ids stay taken).
    public static let countMax = 4_096
    /// UTF-8 bytes of a key's name.
    public static let nameBytesMax = 64
}

extension PayloadWriter {
    mutating func write(apiKey key: StoredAPIKey) {
        write(key.id)
        write(key.role)
        write(bytes: Array(key.name.utf8))
        for byte in key.digest { write(byte) }
        write(key.createdAt)
    }
}

extension PayloadReader {
    mutating func readAPIKey() throws(PayloadDecodingError) -> StoredAPIKey {
        let id = try read(UInt32.self, "key id")
        let role = try read(UInt8.self, "key role")
        let name = String(decoding: try readBytes("key name", limit: StoredAPIKey.nameBytesMax), as: UTF8.self)
        var digest: [UInt8] = []
        for _ in 0..<Secrets.digestBytes { digest.append(try read(UInt8.self, "key digest")) }
        return StoredAPIKey(id: id, role: role, name: name, digest: digest, createdAt: try read(UInt64.self, "key created"))
    }
}
