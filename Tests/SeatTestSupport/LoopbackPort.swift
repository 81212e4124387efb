import Foundation
import Synchronization

/// Loopback ports for the servers tests start (PostgreSQL, Redis, the echo server).
public enum LoopbackPort {
    public struct NoFreePort: Error, CustomStringConvertible {
        public let description = "no free port found between 20000 and 32000"
    }

    /// A free port below Linux's ephemeral range (32768 and up): a port the system hands out
    /// for `bind(0)` could be one another test's server just let go and is about to bind again.
    /// A port is free when nothing is bound to it and this process has not handed it out
    /// before: servers bind seconds later (a PostgreSQL cluster after its initdb), and two
    /// tests given one port would collide then.
    public static func free() throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20_000..<32_000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if withSocket(port, { bind($0, $1, $2) == 0 }) { return port }
        }
        throw NoFreePort()
    }

    private static let handedOut = Mutex<Set<Int>>([])

    /// Whether a server on `port` accepts a connection.
    public static func accepts(_ port: Int) -> Bool {
        withSocket(port) { connect($0, $1, $2) == 0 }
    }

    /// Runs `body` with a new TCP socket and 127.0.0.1:`port`, then closes the socket.
    private static func withSocket(_ port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}
