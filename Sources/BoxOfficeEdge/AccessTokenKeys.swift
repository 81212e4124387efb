import Crypto
import Foundation
import JWTKit

/// The Ed25519 keys access tokens are signed with, by key id (`kid`).
///
/// The last key listed signs; every key listed verifies, so a rotation adds a new key at the end,
/// and drops the old one once the tokens it signed have expired (minutes later). The file is
/// JSON, `{"keys":[{"kid":"…","seed":"<base64 of 32 bytes>"}]}`, readable by its owner only.
public struct AccessTokenKeys: Sendable {
    public struct Key: Sendable {
        public let kid: String
        public let privateKey: Curve25519.Signing.PrivateKey
        public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }

        public init(kid: String, privateKey: Curve25519.Signing.PrivateKey) {
            self.kid = kid
            self.privateKey = privateKey
        }
    }

    public let keys: [Key]
    public var signingKey: Key { keys[keys.count - 1] }

    public init(keys: [Key]) {
        precondition(!keys.isEmpty, "access tokens need at least one key")
        self.keys = keys
    }

    /// A fresh key (for tests, and for the first start of the embedded default).
    public static func generate(kid: String) -> Key {
        Key(kid: kid, privateKey: Curve25519.Signing.PrivateKey())
    }

    public enum FileError: Error, CustomStringConvertible, Equatable {
        case readableByOthers(path: String)
        case malformed(path: String, reason: String)

        public var description: String {
            switch self {
            case .readableByOthers(let path):
                "the access-token key file \(path) is readable by group or others; chmod 600 it"
            case .malformed(let path, let reason):
                "the access-token key file \(path) is not valid: \(reason)"
            }
        }
    }

    private struct FileContents: Codable {
        struct Entry: Codable {
            var kid: String
            var seed: String
        }
        var keys: [Entry]
    }

    /// Reads the key file at `path`; refuses one that group or others may read.
    public static func load(path: String) throws -> AccessTokenKeys {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 != 0 {
            throw FileError.readableByOthers(path: path)
        }
        let contents: FileContents
        do {
            contents = try JSONDecoder().decode(FileContents.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw FileError.malformed(path: path, reason: "expected {\"keys\":[{\"kid\":…,\"seed\":…}]}")
        }
        guard !contents.keys.isEmpty else { throw FileError.malformed(path: path, reason: "no keys") }
        guard Set(contents.keys.map(\.kid)).count == contents.keys.count else {
            throw FileError.malformed(path: path, reason: "two keys share a kid")
        }
        return AccessTokenKeys(keys: try contents.keys.map { entry in
            guard let seed = Data(base64Encoded: entry.seed), seed.count == 32,
                  let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            else { throw FileError.malformed(path: path, reason: "the seed of \(entry.kid) is not 32 bytes of base64") }
            return Key(kid: entry.kid, privateKey: privateKey)
        })
    }

    /// Writes the keys to `path`, created with mode 600.
    public func write(to path: String) throws {
        let contents = FileContents(keys: keys.map {
            .init(kid: $0.kid, seed: $0.privateKey.rawRepresentation.base64EncodedString())
        })
        let data = try JSONEncoder().encode(contents)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw FileError.malformed(path: path, reason: "could not be written")
        }
    }

    /// The public keys as a JWK Set, for services that verify tokens without the private keys.
    public var publicJWKS: JWKSet {
        JWKSet(keys: keys.map {
            JWKSet.Entry(kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", kid: $0.kid,
                         x: Data($0.publicKey.rawRepresentation).base64URLEncoded())
        })
    }

    public struct JWKSet: Codable, Sendable, Equatable {
        public struct Entry: Codable, Sendable, Equatable {
            public var kty: String
            public var crv: String
            public var alg: String
            public var use: String
            public var kid: String
            public var x: String
        }
        public var keys: [Entry]
    }
}

extension Data {
    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
