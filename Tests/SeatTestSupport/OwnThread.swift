import Foundation

/// Runs blocking work (a `waitpid`, a thread join, a synchronous library call) on a thread of
/// its own and awaits its result, so it never occupies one of the cooperative pool's threads:
/// there are as many of those as cores (two here), and a test blocking one starves every async
/// test beside it.
public enum OwnThread {
    public static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
        }
    }
}
