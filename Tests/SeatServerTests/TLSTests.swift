import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SeatClient
import SeatProtocol
import SeatServer
import Testing

@Suite(.timeLimit(.minutes(2))) struct TLSTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let certificatePath = fixtures.appendingPathComponent("test-certificate.pem").path
    static let keyPath = fixtures.appendingPathComponent("test-key.pem").path

    static func serverTLS() throws -> TLSConfiguration {
        TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
    }

    static func clientTLS(trustingTheTestCertificate trusting: Bool) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if trusting { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificatePath)) }
        return configuration
    }

    /// Over TLS a client verifies the server's certificate and then uses the protocol as ever;
    /// a plain-TCP client to the TLS port gets nowhere, and an untrusted certificate is refused.
    @Test func holdsWorkOverTLSAndPlainOrUntrustedClientsAreTurnedAway() async throws {
        try await withServer(tls: try Self.serverTLS()) { server in
            var configuration = SeatClient.Configuration(host: "127.0.0.1", port: server.port, apiKey: TestServer.agentKey)
            configuration.tls = try Self.clientTLS(trustingTheTestCertificate: true)
            let client = SeatClient(configuration: configuration, group: server.group)
            let held = try await client.hold([seat("B1"), seat("B2")], show: 0, for: .seconds(60))
            #expect(try await client.confirm(held.hold) & (1 << 63) != 0)
            await client.close()

            var untrusted = configuration
            untrusted.tls = try Self.clientTLS(trustingTheTestCertificate: false)
            untrusted.connectAttemptsMax = 1
            await #expect(throws: SeatClientError.self) { _ = try await SeatClient(configuration: untrusted, group: server.group).ping() }

            var plain = configuration
            plain.tls = nil
            plain.connectAttemptsMax = 1
            await #expect(throws: SeatClientError.self) { _ = try await SeatClient(configuration: plain, group: server.group).ping() }
        }
    }
}
