import Foundation
import ServiceLifecycle

/// Writes the port listened on to `--port-file` from inside the service group, so whoever waits
/// for the file may send SIGTERM at once: the group traps its shutdown signals before it starts
/// any service, while a file written earlier let a prompt SIGTERM kill seatd with the default
/// action instead of draining it.
struct PortAnnouncement: Service {
    let port: Int
    let file: String

    func run() async throws {
        try "\(port)\n".write(toFile: file, atomically: true, encoding: .utf8)
        // Returning would end the group; the announcement lasts as long as the server.
        try? await gracefulShutdown()
    }
}
