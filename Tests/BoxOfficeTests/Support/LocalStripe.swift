import AsyncHTTPClient
import Foundation
import NIOCore
import SeatTestSupport
import Testing

/// A localstripe server (Stripe's API, faked statefully; PyPI) on a loopback port for one test.
/// `scripts/test` installs it in `.build/venv-localstripe`.
struct LocalStripe {
    let port: Int
    let process: ChildProcess
    var baseURL: String { "http://127.0.0.1:\(port)" }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let python = packageRoot.appendingPathComponent(".build/venv-localstripe/bin/python").path
    static let wrapper = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("localstripe-loopback.py").path

    struct NotInstalled: Error, CustomStringConvertible {
        var description: String { "localstripe is not installed at \(LocalStripe.python): run scripts/test, which installs it" }
    }

    static func with<Result: Sendable>(_ body: (LocalStripe) async throws -> Result) async throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: python) else { throw NotInstalled() }
        let log = try TemporaryDirectory()
        defer { log.remove() }
        let port = try LoopbackPort.free()
        let process = try ChildProcess([python, wrapper, String(port)], output: log.path + "/localstripe.log")
        let server = LocalStripe(port: port, process: process)
        do {
            for _ in 0..<200 where !LoopbackPort.accepts(port) { try await Task.sleep(for: .milliseconds(50)) }
            let result = try await body(server)
            _ = try await process.stopped()
            return result
        } catch {
            _ = try? await process.stopped()
            throw error
        }
    }

    /// A card payment method, as Stripe.js would make in the customer's browser.
    func paymentMethod(card: String) async throws -> String {
        struct Created: Decodable { var id: String }
        let created: Created = try await post("/v1/payment_methods", "type=card&card[number]=\(card)&card[exp_month]=12&card[exp_year]=2034&card[cvc]=123")
        return created.id
    }

    /// Finishes (or fails) a payment's 3-D Secure step, as the customer's bank page would.
    func authenticate(_ intent: String, clientSecret: String, success: Bool) async throws {
        struct Intent: Decodable { var id: String }
        let _: Intent = try await post("/v1/payment_intents/\(intent)/_authenticate", "client_secret=\(clientSecret)&success=\(success)")
    }

    /// Has localstripe post its events, signed with `secret`, to `url`.
    func sendWebhooks(to url: String, secret: String) async throws {
        var request = HTTPClientRequest(url: baseURL + "/_config/webhooks/tests")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"url":"\#(url)","secret":"\#(secret)"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.status == .ok)
    }

    private func post<Value: Decodable>(_ path: String, _ form: String) async throws -> Value {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer sk_test_local")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status == .ok, "\(String(buffer: body))")
        return try JSONDecoder().decode(Value.self, from: body)
    }
}
