import SeatJournal
import SeatProtocol
import Synchronization

/// The API keys a server accepts: those given at start (flags, environment), which bootstrap
/// the first admin, and those created, rotated and revoked by admins over the protocol, which
/// are journaled and kept in snapshots as SHA-256 digests, never as secrets.
///
/// A key's secret is shown once, when it is made. HELLO hashes the key it is given and looks
/// the digest up; a revoked key no longer works for new connections (connections it already
/// opened keep their role until they close).
public final class APIKeyStore: APIKeyResolving {
    /// The keys given at start, compared in constant time.
    public let bootstrap: APIKeyring
    /// Where created and revoked keys are journaled; nil keeps them in memory only.
    private let journal: EngineJournal?
    private let state: Mutex<State>

    private struct State {
        var keys: [UInt32: StoredAPIKey] = [:]
        var byDigest: [[UInt8]: UInt32] = [:]
        var nextID: UInt32 = 1
    }

    public init(bootstrap: APIKeyring, journal: EngineJournal?, recovered: [StoredAPIKey] = []) {
        self.bootstrap = bootstrap
        self.journal = journal
        var state = State()
        for key in recovered {
            state.keys[key.id] = key
            if key.revokedAt == nil { state.byDigest[key.digest] = key.id }
            state.nextID = max(state.nextID, key.id + 1)
        }
        self.state = Mutex(state)
    }

    public func role(for key: String) -> Role? {
        if let role = bootstrap.role(for: key) { return role }
        // A digest lookup leaks nothing useful through its timing: finding a digest's first
        // bytes tells nothing of a secret that hashes to it.
        let digest = Secrets.sha256(Array(key.utf8))
        return state.withLock { state in
            state.byDigest[digest].flatMap { state.keys[$0] }.flatMap { Role(rawValue: $0.role) }
        }
    }

    /// Keys that work now, besides those given at start.
    public var activeCount: Int { state.withLock { $0.byDigest.count } }

    /// Every stored key, revoked ones included, by id.
    public func list() -> [APIKeySummary] {
        state.withLock { state in
            state.keys.values.sorted { $0.id < $1.id }.map { key in
                APIKeySummary(
                    id: key.id, role: Role(rawValue: key.role) ?? .reader, name: key.name, createdMilliseconds: key.createdAt,
                    isRevoked: key.revokedAt != nil)
            }
        }
    }

    /// Makes, stores and journals a new key; returns its id and its secret.
    public func create(role: Role, name: String, at now: UInt64) throws(ErrorReply) -> (id: UInt32, secret: String) {
        try admit()
        guard name.utf8.count <= StoredAPIKey.nameBytesMax else {
            throw ErrorReply(.malformedPayload, message: "a key's name has at most \(StoredAPIKey.nameBytesMax) bytes")
        }
        let secret: String
        do {
            secret = "\(role)-" + (try Secrets.randomHex(bytes: 24))
        } catch {
            throw ErrorReply(.internalError, message: "\(error)")
        }
        let digest = Secrets.sha256(Array(secret.utf8))
        return try state.withLock { (state) throws(ErrorReply) -> (id: UInt32, secret: String) in
            guard state.keys.count < StoredAPIKey.countMax else {
                throw ErrorReply(
                    .capacityExhausted, detail: UInt64(StoredAPIKey.countMax),
                    message: "the server keeps at most \(StoredAPIKey.countMax) keys, revoked ones included")
            }
            let key = StoredAPIKey(id: state.nextID, role: role.rawValue, name: name, digest: digest, createdAt: now)
            state.nextID += 1
            state.keys[key.id] = key
            state.byDigest[digest] = key.id
            // Under the lock: ids reach the journal in the order they were given.
            journal?.logAPIKeyCreated(key)
            return (key.id, secret)
        }
    }

    /// Revokes key `id` (a revoked key stays revoked); throws for an id never made.
    public func revoke(_ id: UInt32, at now: UInt64) throws(ErrorReply) {
        try admit()
        try state.withLock { (state) throws(ErrorReply) in
            guard var key = state.keys[id] else {
                throw ErrorReply(.unknownAPIKey, detail: UInt64(id), message: "no API key \(id)")
            }
            guard key.revokedAt == nil else { return }
            key.revokedAt = now
            state.keys[id] = key
            state.byDigest[key.digest] = nil
            journal?.logAPIKeyRevoked(id: id, at: now)
        }
    }

    /// A new key with key `id`'s role and name, and `id` revoked.
    public func rotate(_ id: UInt32, at now: UInt64) throws(ErrorReply) -> (id: UInt32, role: Role, secret: String) {
        guard let old = state.withLock({ $0.keys[id] }), old.revokedAt == nil else {
            throw ErrorReply(.unknownAPIKey, detail: UInt64(id), message: "no working API key \(id) to rotate")
        }
        let role = Role(rawValue: old.role) ?? .reader
        let fresh = try create(role: role, name: old.name, at: now)
        try revoke(id, at: now)
        return (fresh.id, role, fresh.secret)
    }

    private func admit() throws(ErrorReply) {
        do {
            try journal?.admitChange()
        } catch {
            throw ErrorReply(.storageUnavailable, message: "\(error)")
        }
    }
}
