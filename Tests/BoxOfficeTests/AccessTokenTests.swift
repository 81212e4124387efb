import BoxOfficeEdge
import Crypto
import Foundation
import JWTKit
import Testing

@Suite("Access tokens are verified strictly", .timeLimit(.minutes(1)))
struct AccessTokenTests {
    let keys = AccessTokenKeys(keys: [AccessTokenKeys.generate(kid: "k1")])

    func signed(_ claims: AccessTokenClaims, with key: AccessTokenKeys.Key? = nil) async throws -> String {
        let key = key ?? keys.signingKey
        let collection = JWTKeyCollection()
        await collection.add(eddsa: EdDSA.PrivateKey(backing: key.privateKey), kid: JWKIdentifier(string: key.kid))
        return try await collection.sign(claims, kid: JWKIdentifier(string: key.kid))
    }

    func claims(issuedAt: Date = Date(), lifetime: Duration = .seconds(900)) -> AccessTokenClaims {
        AccessTokenClaims(userID: "u1", sessionID: "s1", roles: [.customer, .staff], theatreIDs: ["t1"],
                          issuedAt: issuedAt, lifetime: lifetime)
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test func aGoodTokenGivesItsIdentity() async throws {
        let verifier = await AccessTokenVerifier(keys: keys)
        let verified = try await verifier.verify(try await signed(claims()))
        let identity = try verified.identity()
        #expect(identity.subject == "u1")
        #expect(identity.roles == [.customer, .staff])
        #expect(identity.theatreIDs == ["t1"])
        #expect(identity.sessionID == "s1")
    }

    @Test func anExpiredTokenIsRefused() async throws {
        let verifier = await AccessTokenVerifier(keys: keys)
        let token = try await signed(claims(issuedAt: Date().addingTimeInterval(-3600), lifetime: .seconds(900)))
        await #expect(throws: AccessTokenVerifier.Failure.expired) { try await verifier.verify(token) }
    }

    @Test func aRememberedTokenStillExpires() async throws {
        let verifier = await AccessTokenVerifier(keys: keys)
        let token = try await signed(claims(lifetime: .seconds(60)))
        _ = try await verifier.verify(token)
        _ = try await verifier.verify(token)
        await #expect(throws: AccessTokenVerifier.Failure.expired) {
            try await verifier.verify(token, now: Date().addingTimeInterval(120))
        }
    }

    @Test func aTokenFromTheFutureIsRefused() async throws {
        let verifier = await AccessTokenVerifier(keys: keys)
        let token = try await signed(claims(issuedAt: Date().addingTimeInterval(600)))
        await #expect(throws: AccessTokenVerifier.Failure.self) { try await verifier.verify(token) }
    }

    @Test func everyAlteredByteOfThePayloadOrSignatureIsCaught() async throws {
        let verifier = await AccessTokenVerifier(keys: keys)
        let token = try await signed(claims())
        let parts = token.split(separator: ".").map(String.init)
        // Promote ourselves to admin in the payload, keeping the signature.
        let payload = try #require(Data(base64Encoded: parts[1].replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/").padding(toLength: (parts[1].count + 3) / 4 * 4, withPad: "=", startingAt: 0)))
        let forged = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: #""customer""#, with: #""admin""#)
        await #expect(throws: AccessTokenVerifier.Failure.badSignature) {
            try await verifier.verify([parts[0], Self.base64URL(forged), parts[2]].joined(separator: "."))
        }
        // Flip each character of the signature in turn.
        let signature = Array(parts[2])
        for index in signature.indices where index % 7 == 0 {
            var altered = signature
            altered[index] = altered[index] == "A" ? "B" : "A"
            let token = [parts[0], parts[1], String(altered)].joined(separator: ".")
            await #expect(throws: AccessTokenVerifier.Failure.self) { try await verifier.verify(token) }
        }
    }

    @Test func algorithmConfusionIsRefused() async throws {
        let verifier = await AccessTokenVerifier(keys: keys)
        let token = try await signed(claims())
        let parts = token.split(separator: ".").map(String.init)
        // alg none, with and without a signature.
        let none = Self.base64URL(#"{"alg":"none","kid":"k1","typ":"JWT"}"#)
        await #expect(throws: AccessTokenVerifier.Failure.wrongAlgorithm("none")) {
            try await verifier.verify([none, parts[1], ""].joined(separator: "."))
        }
        // HS256 keyed with the public key's bytes: the classic confusion attack.
        let hs256 = Self.base64URL(#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#)
        let signingInput = hs256 + "." + parts[1]
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(signingInput.utf8), using: SymmetricKey(data: keys.signingKey.publicKey.rawRepresentation))
        let macText = Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        await #expect(throws: AccessTokenVerifier.Failure.wrongAlgorithm("HS256")) {
            try await verifier.verify(signingInput + "." + macText)
        }
    }

    @Test func aTokenSignedByAnUnknownKeyIsRefused() async throws {
        let verifier = await AccessTokenVerifier(keys: keys)
        let stranger = AccessTokenKeys.generate(kid: "k2")
        await #expect(throws: AccessTokenVerifier.Failure.unknownKey) {
            try await verifier.verify(try await signed(claims(), with: stranger))
        }
        // A stranger's key under our kid: the signature fails.
        let impostor = AccessTokenKeys.Key(kid: "k1", privateKey: Curve25519.Signing.PrivateKey())
        await #expect(throws: AccessTokenVerifier.Failure.badSignature) {
            try await verifier.verify(try await signed(claims(), with: impostor))
        }
    }

    @Test func rotationVerifiesOldAndNewKeys() async throws {
        let old = AccessTokenKeys.generate(kid: "old")
        let new = AccessTokenKeys.generate(kid: "new")
        let rotated = AccessTokenKeys(keys: [old, new])
        #expect(rotated.signingKey.kid == "new")
        let verifier = await AccessTokenVerifier(keys: rotated)
        _ = try await verifier.verify(try await signed(claims(), with: old))
        _ = try await verifier.verify(try await signed(claims(), with: new))
    }

    @Test(arguments: ["", "a.b", "a.b.c.d", "!!!.???.***", String(repeating: "x", count: 5000)])
    func garbageIsMalformed(token: String) async throws {
        let verifier = await AccessTokenVerifier(keys: keys)
        await #expect(throws: AccessTokenVerifier.Failure.self) { try await verifier.verify(token) }
    }

    @Test func theKeyFileRoundTripsAndMustBePrivate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/keys.json"
        try keys.write(to: path)
        let loaded = try AccessTokenKeys.load(path: path)
        #expect(loaded.signingKey.kid == "k1")
        #expect(loaded.signingKey.publicKey.rawRepresentation == keys.signingKey.publicKey.rawRepresentation)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: AccessTokenKeys.FileError.readableByOthers(path: path)) { try AccessTokenKeys.load(path: path) }
    }
}
