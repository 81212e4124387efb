import HummingbirdBcrypt
import NIOPosix

/// bcrypt, run on NIO's thread pool: a hash costs milliseconds of CPU by design, and doing
/// that on Swift's cooperative pool would stall every other request on the same thread.
public struct PasswordHasher: Sendable {
    /// bcrypt's work factor (2^cost rounds); 12 takes about a quarter of a second here.
    public let cost: UInt8

    public init(cost: UInt8) {
        precondition((4...31).contains(cost), "bcrypt cost must be 4...31")
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash of nothing anyone knows, verified against when the account does not exist, so a
    /// login for an unknown email takes as long as one for a known email.
    public func decoyHash() async throws -> String {
        try await hash(OpaqueToken.generate().value)
    }
}
