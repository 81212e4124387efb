import Accounts
import BoxOfficeEdge
import BoxOfficeStorage
import Foundation
import Synchronization
import Testing

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

@Suite("Profiles read through the short-lived cache", .timeLimit(.minutes(2)))
struct ProfileCacheTests {
    /// Two instances of the service over one database, as two boxoffice processes would be.
    static func twoInstances(_ database: Database, clock: TestClock) async throws -> (AccountService, AccountService) {
        var configuration = AccountsConfiguration()
        configuration.bcryptCost = 4
        configuration.profileCacheLifetime = .seconds(1)
        configuration.now = { clock.now }
        let keys = AccessTokenKeys(keys: [AccessTokenKeys.generate(kid: "k")])
        return (try await AccountService.make(database: database, keys: keys, configuration: configuration),
                try await AccountService.make(database: database, keys: keys, configuration: configuration))
    }

    @Test(arguments: TestEngine.allCases)
    func ownWritesShowAtOnceAndOtherInstancesWritesWithinTheLifetime(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = TestClock()
            let (first, second) = try await Self.twoInstances(database, clock: clock)
            let user = try await first.signUp(.init(email: "cached@example.com", password: "correct horse battery", name: "Before"))
            #expect(try await first.user(id: user.id).name == "Before")

            // A write through this instance: visible here at once.
            _ = try await first.updateProfile(of: user.id, .init(name: "Own write"))
            #expect(try await first.user(id: user.id).name == "Own write")

            // A write through the other instance: this one may answer from its cache until the
            // lifetime has passed, and must not after.
            _ = try await second.updateProfile(of: user.id, .init(name: "Elsewhere"))
            #expect(try await second.user(id: user.id).name == "Elsewhere")
            #expect(try await first.user(id: user.id).name == "Own write")
            clock.advance(by: 1.001)
            #expect(try await first.user(id: user.id).name == "Elsewhere")

            // Erasure through the other instance: gone here within the lifetime too.
            try await second.erase(userID: user.id, confirmingPassword: nil, requestedBy: "test")
            await #expect(throws: AccountError.userNotFound) { try await second.user(id: user.id) }
            clock.advance(by: 1.001)
            await #expect(throws: AccountError.userNotFound) { try await first.user(id: user.id) }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aZeroLifetimeAlwaysReadsTheDatabase(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = TestClock()
            var configuration = AccountsConfiguration()
            configuration.bcryptCost = 4
            configuration.profileCacheLifetime = .zero
            configuration.now = { clock.now }
            let keys = AccessTokenKeys(keys: [AccessTokenKeys.generate(kid: "k")])
            let uncached = try await AccountService.make(database: database, keys: keys, configuration: configuration)
            let (other, _) = try await Self.twoInstances(database, clock: clock)
            let user = try await uncached.signUp(.init(email: "fresh@example.com", password: "correct horse battery", name: "A"))
            #expect(try await uncached.user(id: user.id).name == "A")
            _ = try await other.updateProfile(of: user.id, .init(name: "B"))
            #expect(try await uncached.user(id: user.id).name == "B")
        }
    }
}
