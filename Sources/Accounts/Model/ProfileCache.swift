import BoxOfficeStorage
import Foundation
import Synchronization

/// Profiles this instance read lately, kept for a short lifetime.
///
/// `GET /me` is the most frequent authenticated read, and an app sends it on every screen;
/// reading the row each time costs two thread hand-offs (to an SQLite reader's thread and
/// back), far more than the rest of the request. Changes made through this instance replace the entry at
/// once (so a person always reads their own write here; an entry never goes back to an older
/// `updatedAt`, so a slower concurrent read cannot undo that); a change made through another
/// instance is seen within `lifetime`, the same promise a read from a streaming replica gives.
/// Erased accounts stay as entries too, so a racing read cannot bring the profile back.
/// Bounded: when full, expired entries go first, and if none has, all of them.
final class ProfileCache: Sendable {
    static let entriesMax = 10_000

    let lifetimeMilliseconds: Int64
    private struct Entry {
        var user: User
        var expiresAtMs: Int64
    }

    private let entries = Mutex(BoundedDictionary<String, Entry>(entriesMax: ProfileCache.entriesMax))

    init(lifetime: Duration) {
        lifetimeMilliseconds = lifetime.milliseconds
    }

    func user(id: String, at nowMs: Int64) -> User? {
        guard lifetimeMilliseconds > 0 else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[id] else { return nil }
            guard entry.expiresAtMs > nowMs else {
                entries.removeValue(forKey: id)
                return nil
            }
            return entry.user
        }
    }

    func remember(_ user: User, at nowMs: Int64) {
        guard lifetimeMilliseconds > 0 else { return }
        entries.withLock { entries in
            if let current = entries[user.id]?.user, current.updatedAt > user.updatedAt { return }
            entries.set(Entry(user: user, expiresAtMs: nowMs + lifetimeMilliseconds), for: user.id,
                        droppingWhenFull: { $0.expiresAtMs <= nowMs })
        }
    }
}
