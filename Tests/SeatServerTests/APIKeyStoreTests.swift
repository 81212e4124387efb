import SeatJournal
import SeatProtocol
import SeatServer
import Testing

/// The key store alone: keys made, looked up by digest, rotated, revoked, bounded.
@Suite(.timeLimit(.minutes(1))) struct APIKeyStoreTests {
    @Test func keysAreMadeLookedUpRotatedAndRevoked() throws {
        let store = APIKeyStore(bootstrap: APIKeyring(["boot": .admin]), journal: nil)
        #expect(store.role(for: "boot") == .admin)
        let agent = try store.create(role: .agent, name: "box office", at: 1_000)
        #expect(agent.secret.hasPrefix("agent-") && agent.secret.count == "agent-".count + 48)
        #expect(store.role(for: agent.secret) == .agent)
        #expect(store.role(for: agent.secret + "x") == nil && store.role(for: "") == nil)
        let rotated = try store.rotate(agent.id, at: 2_000)
        #expect(rotated.id != agent.id && rotated.role == .agent)
        #expect(store.role(for: agent.secret) == nil, "the rotated-out key stops working")
        #expect(store.role(for: rotated.secret) == .agent)
        try store.revoke(rotated.id, at: 3_000)
        try store.revoke(rotated.id, at: 4_000)
        #expect(store.role(for: rotated.secret) == nil)
        #expect(store.list().map(\.isRevoked) == [true, true])
        #expect(store.list().map(\.name) == ["box office", "box office"])
        #expect(throws: ErrorReply.self) { try store.revoke(99, at: 5_000) }
        #expect(throws: ErrorReply.self, "a revoked key cannot be rotated") { _ = try store.rotate(rotated.id, at: 5_000) }
        #expect(throws: ErrorReply.self, "names are bounded") {
            _ = try store.create(role: .reader, name: String(repeating: "n", count: StoredAPIKey.nameBytesMax + 1), at: 0)
        }
    }

    @Test func recoveredKeysWorkAndIdsGoOnAfterThem() throws {
        let digest = Secrets.sha256(Array("reader-secret".utf8))
        let recovered = [
            StoredAPIKey(id: 1, role: Role.reader.rawValue, name: "a", digest: digest, createdAt: 1),
            StoredAPIKey(id: 7, role: Role.admin.rawValue, name: "b", digest: Secrets.sha256([1]), createdAt: 2, revokedAt: 3),
        ]
        let store = APIKeyStore(bootstrap: APIKeyring([:]), journal: nil, recovered: recovered)
        #expect(store.role(for: "reader-secret") == .reader)
        #expect(store.activeCount == 1)
        #expect(try store.create(role: .agent, name: "", at: 4).id == 8)
    }

    @Test func theStoreIsBounded() throws {
        let store = APIKeyStore(bootstrap: APIKeyring([:]), journal: nil)
        for _ in 0..<StoredAPIKey.countMax { _ = try store.create(role: .reader, name: "", at: 0) }
        #expect {
            _ = try store.create(role: .reader, name: "", at: 0)
        } throws: { ($0 as? ErrorReply)?.code == .capacityExhausted }
    }
}
