import BoxOfficeApp
import BoxOfficeEdge
import Catalog
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@Suite("Catalog answers cached per catalog version, and instances that see each other's changes", .timeLimit(.minutes(2)))
struct CatalogCoherenceTests {
    /// Asks `read` until it is true; 5 s at most (the second instance looks every 100 ms).
    static func eventually(_ what: String, _ read: () async throws -> Bool) async throws {
        for _ in 0..<100 {
            if try await read() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(what) did not happen within 5 s")
    }

    @Test func aChangeThroughOneInstanceReachesTheOthersIndexAndCache() async throws {
        try await Harness.withTwoInstances(configure: { configuration in
            configuration.catalogRefreshInterval = .milliseconds(100)
            Harness.generousRateLimits(&configuration)
        }) { first, second, components in
            let admin = try await AccountSteps(client: first, components: components).newAdmin()
            // The second instance answers (and caches) an empty catalog.
            let before: CatalogAPI.Theatres = try await second.request(.get, "/api/v1/theatres").json()
            #expect(before.theatres.isEmpty)
            #expect(try await second.request(.get, "/api/v1/search?q=intersteller").json(CatalogAPI.SearchResponse.self).total == 0)

            #expect(try await first.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: CatalogTests.theatre)
                .status == .created)
            let created = try await first.request(.post, "/api/v1/admin/movies", token: admin.accessToken, json: CatalogTests.movie)
            let movie: Movie = try created.json()

            try await Self.eventually("the theatre listed by the second instance") {
                try await second.request(.get, "/api/v1/theatres").json(CatalogAPI.Theatres.self).theatres.map(\.id) == ["pvr-pune"]
            }
            try await Self.eventually("the movie found by the second instance's search") {
                try await second.request(.get, "/api/v1/search?q=intersteller").json(CatalogAPI.SearchResponse.self)
                    .hits.map(\.movie.id) == [movie.id]
            }
        }
    }

    @Test func cachedAnswersLastWhileTheirGenerationAndAgeAllow() {
        let generation = Mutex<Int64>(1)
        let clock = Mutex<Int64>(0)
        let cache = ResponseCache(maxAge: .seconds(30), now: { clock.withLock { $0 } }, generation: { generation.withLock { $0 } })
        cache.store(key: "/a", generation: 1, contentType: "application/json", body: ByteBuffer(string: "{}"), tag: "\"t\"")
        #expect(cache.entry(for: "/a")?.tag == "\"t\"")
        #expect(cache.entry(for: "/b") == nil)

        // An answer computed before a change is stale as soon as it is stored.
        cache.store(key: "/old", generation: 0, contentType: nil, body: ByteBuffer(), tag: "\"o\"")
        #expect(cache.entry(for: "/old") == nil)

        clock.withLock { $0 = 29_999_999_999 }
        #expect(cache.entry(for: "/a") != nil)
        clock.withLock { $0 = 30_000_000_000 }
        #expect(cache.entry(for: "/a") == nil)

        cache.store(key: "/a", generation: 1, contentType: nil, body: ByteBuffer(), tag: "\"t\"")
        generation.withLock { $0 = 2 }
        #expect(cache.entry(for: "/a") == nil)

        cache.store(key: String(repeating: "x", count: ResponseCache.keyBytesMax + 1), generation: 2, contentType: nil,
                    body: ByteBuffer(), tag: "\"x\"")
        #expect(cache.count == 0)
        for index in 0...ResponseCache.entriesMax {
            cache.store(key: "/\(index)", generation: 2, contentType: nil, body: ByteBuffer(), tag: "\"\(index)\"")
        }
        #expect(cache.count == 1)
    }
}
