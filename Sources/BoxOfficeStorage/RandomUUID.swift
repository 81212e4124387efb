import Foundation
import Glibc

extension UUID {
    /// A random UUID (version 4, RFC 9562) from the C library's `arc4random_buf`: what `UUID()`
    /// gives, at a fraction of its cost. Foundation's `UUID()` on Linux opens, reads and closes
    /// `/dev/urandom` for each one (about 4.5 µs here); a booking makes about eight (its order,
    /// outbox messages, signals, the sandbox's payment and events), and those system calls were
    /// about 2 % of a busy box office's CPU. `arc4random_buf` asks the kernel once, with
    /// `getrandom` (under 1 µs).
    public static func random() -> UUID {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            arc4random_buf(bytes.baseAddress!, bytes.count)
            bytes[6] = bytes[6] & 0x0F | 0x40  // version 4: random
            bytes[8] = bytes[8] & 0x3F | 0x80  // the RFC's variant
        }
        return UUID(uuid: uuid)
    }

    /// A new random UUID in the lowercase text form every generated id here takes.
    public static func randomID() -> String { random().uuidString.lowercased() }
}
