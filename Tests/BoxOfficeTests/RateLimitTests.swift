import BoxOfficeEdge
import Foundation
import HTTPTypes
import HummingbirdTesting
import SeatTestSupport
import Testing

@Suite("Rate limits", .timeLimit(.minutes(2)))
struct RateLimitTests {
    static let second: Int64 = 1_000_000_000

    @Test func aBucketAllowsItsBurstThenOnePerInterval() {
        let rule = GCRA(rate: 2, per: .seconds(1), burst: 4)
        var tat: Int64?
        var allowed = 0
        for _ in 0..<10 {
            let (decision, next) = rule.decide(storedTAT: tat, now: 0)
            tat = next
            if decision.isAllowed { allowed += 1 }
        }
        #expect(allowed == 4)
        let refused = rule.decide(storedTAT: tat, now: 0).0
        #expect(!refused.isAllowed)
        #expect(refused.retryAfterNanoseconds == Self.second / 2)
        // Half a second later, exactly one more.
        let (later, laterTAT) = rule.decide(storedTAT: tat, now: Self.second / 2)
        #expect(later.isAllowed)
        #expect(later.remaining == 0)
        #expect(!rule.decide(storedTAT: laterTAT, now: Self.second / 2).0.isAllowed)
        // After the bucket refills completely, the full burst again.
        let (fresh, _) = rule.decide(storedTAT: laterTAT, now: 10 * Self.second)
        #expect(fresh.isAllowed && fresh.remaining == 3)
    }

    @Test func aRandomScheduleNeverExceedsTheRate() {
        let seed = UInt64.random(in: 0 ... .max)
        print("rate-limit schedule seed \(seed)")
        var generator = SeededGenerator(seed: seed)
        let rule = GCRA(rate: 10, per: .seconds(1), burst: 5)
        var tat: Int64?
        var now: Int64 = 0
        var allowedTimes: [Int64] = []
        for _ in 0..<5_000 {
            now += Int64(generator.next() % UInt64(Self.second / 20))
            let (decision, next) = rule.decide(storedTAT: tat, now: now)
            tat = next
            if decision.isAllowed { allowedTimes.append(now) }
        }
        // In any window of w seconds, at most burst + rate·w requests pass.
        for (index, start) in allowedTimes.enumerated() {
            let windowEnd = start + Self.second
            let inWindow = allowedTimes[index...].prefix { $0 < windowEnd }.count
            #expect(inWindow <= 5 + 10, "seed \(seed)")
        }
        #expect(allowedTimes.count > 0)
    }

    @Test func theLimiterForgetsRefilledKeysAndStaysBounded() {
        let limiter = RateLimiter(rule: GCRA(rate: 1, per: .seconds(1), burst: 1), keysMax: 64)
        for index in 0..<1_000 {
            _ = limiter.decide(key: "client-\(index)", now: Int64(index) * 1_000)
        }
        #expect(limiter.keyCount <= 64)
        #expect(limiter.decide(key: "late", now: 1_000 * Self.second).isAllowed)
    }

    @Test(arguments: TestEngine.allCases)
    func aBurstOfLoginsFromOneAddressIsCutOffWithRetryAfter(engine: TestEngine) async throws {
        try await Harness.withApp(engine, configure: {
            $0.rateLimits.credentials.rule = GCRA(rate: 3, per: .seconds(60), burst: 3)
            // Time stands still, so the headers are exact however slow the machine is.
            $0.monotonicNanoseconds = { 1_000_000_000_000 }
        }) { client, _ in
            var statuses: [HTTPResponse.Status] = []
            var last: TestResponse?
            for _ in 0..<6 {
                let response = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":"x@example.com","password":"wrong password"}"#)
                statuses.append(response.status)
                last = response
                #expect(response.headers[.rateLimitPolicy] == #""credentials";q=3;w=60"#)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests, .tooManyRequests])
            let refused = try #require(last)
            #expect(try refused.problem().code == "rate_limited")
            #expect(Int(refused.headers[.retryAfter] ?? "") == 20)
            #expect(refused.headers[.rateLimit] == #""credentials";r=0;t=60"#)
            // Other routes have their own limit and still answer.
            let health = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"x"}"#)
            #expect(health.status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func authenticatedClientsAreLimitedEachOnTheirOwn(engine: TestEngine) async throws {
        try await Harness.withApp(engine, configure: {
            $0.rateLimits.api.rule = GCRA(rate: 1, per: .seconds(60), burst: 2)
            $0.monotonicNanoseconds = { 1_000_000_000_000 }
        }) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let first = try await steps.newCustomer("first@example.com")
            let second = try await steps.newCustomer("second@example.com")
            for _ in 0..<2 { #expect(try await client.request(.get, "/api/v1/me", token: first.accessToken).status == .ok) }
            #expect(try await client.request(.get, "/api/v1/me", token: first.accessToken).status == .tooManyRequests)
            #expect(try await client.request(.get, "/api/v1/me", token: second.accessToken).status == .ok)
        }
    }
}
