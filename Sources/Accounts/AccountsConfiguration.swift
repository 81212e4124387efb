import Foundation

/// The accounts service's settings, with the defaults a production deployment would use.
public struct AccountsConfiguration: Sendable {
    public var accessTokenLifetime: Duration = .seconds(15 * 60)
    public var refreshTokenLifetime: Duration = .seconds(30 * 24 * 3600)
    public var emailVerificationLifetime: Duration = .seconds(48 * 3600)
    public var passwordResetLifetime: Duration = .seconds(3600)
    public var bcryptCost: UInt8 = 12
    /// How long a profile read is reused by this instance (zero: never). Changes through this
    /// instance show at once; through another, within this lifetime.
    public var profileCacheLifetime: Duration = .seconds(1)
    public var loginThrottle = LoginThrottle()
    /// The clock every expiry is computed with (tests move it).
    public var now: @Sendable () -> Date = { Date() }

    public init() {}
}
