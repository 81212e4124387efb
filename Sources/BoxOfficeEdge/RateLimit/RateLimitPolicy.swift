/// The named limits, one per class of route.
public struct RateLimitPolicy: Sendable {
    public struct Limit: Sendable {
        public var name: String
        public var rule: GCRA
        public init(name: String, rule: GCRA) {
            self.name = name
            self.rule = rule
        }
    }

    /// Routes that check a password or send mail (login, sign-up, password reset), per client
    /// address: slow enough to stop guessing and mail bombing, generous for a person.
    public var credentials: Limit
    /// Every other API route, per identity when authenticated, else per client address.
    public var api: Limit
    /// Distinct keys each limiter remembers at most.
    public var keysMax: Int

    public init(credentials: Limit, api: Limit, keysMax: Int) {
        self.credentials = credentials
        self.api = api
        self.keysMax = keysMax
    }

    public static let standard = RateLimitPolicy(
        credentials: Limit(name: "credentials", rule: GCRA(rate: 10, per: .seconds(60), burst: 10)),
        api: Limit(name: "api", rule: GCRA(rate: 50, per: .seconds(1), burst: 100)),
        keysMax: 100_000)
}
