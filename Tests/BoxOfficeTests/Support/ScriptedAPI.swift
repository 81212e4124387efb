import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// What the scripted payment providers share: their API served on a loopback port for the
/// length of a test, faults queued per route, and JSON answers. There is no test server to run
/// for what they script (a provider's lost answers, 5xx, 429, failed refunds, or Razorpay at
/// all), so the tests script it; everything else the fakes check as the provider does.
enum ScriptedAPI {
    /// What the next call to a route does instead of (or after) its work.
    enum Fault: Sendable {
        /// Does the work, then answers only after `seconds`: longer than the client waits.
        case answerLost(seconds: Int)
        /// Answers with this status and does nothing.
        case status(Int, retryAfter: Int? = nil)
    }

    /// Faults waiting for their route (as `POST /v1/payments/{id}/capture`).
    final class Faults: Sendable {
        private let queued = Mutex<[String: [Fault]]>([:])

        func add(_ fault: Fault, to route: String) {
            queued.withLock { $0[route, default: []].append(fault) }
        }

        /// Runs the route's work under its next fault, if one is queued; `refusal` makes the
        /// provider's error body for a scripted status.
        func serve(_ route: String, refusal: (Int) -> Response, _ work: () async throws -> Response) async rethrows -> Response {
            let fault = queued.withLock { queued -> Fault? in
                guard var faults = queued[route], !faults.isEmpty else { return nil }
                defer { queued[route] = faults }
                return faults.removeFirst()
            }
            switch fault {
            case .status(let code, let retryAfter):
                var response = refusal(code)
                if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
                return response
            case .answerLost(let seconds):
                let response = try await work()
                try? await Task.sleep(for: .seconds(seconds))
                return response
            case nil:
                return try await work()
            }
        }
    }

    /// A provider account's state, shared by its routes and the test's controls, and its faults.
    final class Account<State: Sendable>: Sendable {
        let state: Mutex<State>
        let faults = Faults()

        init(_ state: State) {
            self.state = Mutex(state)
        }
    }

    /// Ids as a provider makes them: its prefix, then a serial number.
    struct IDs: Sendable {
        private var next = 0

        mutating func make(_ prefix: String) -> String {
            next += 1
            return "\(prefix)_S\(String(next, radix: 36))"
        }
    }

    static func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A scripted provider: an account and the routes that serve it.
protocol ScriptedProvider: Sendable {
    associatedtype State: Sendable
    static var freshState: State { get }
    /// Adds the API's routes (and any check every call passes) to `router`.
    static func addRoutes(for account: ScriptedAPI.Account<State>, to router: Router<BasicRequestContext>)
    init(account: ScriptedAPI.Account<State>, baseURL: String)
    var account: ScriptedAPI.Account<State> { get }
}

extension ScriptedProvider {
    /// The next call to `route` (as `POST /v1/payments/{id}/capture`) fails as scripted.
    func failNext(_ route: String, with fault: ScriptedAPI.Fault) {
        account.faults.add(fault, to: route)
    }

    /// Serves a fresh account on a loopback port for the length of `body`.
    static func with<Result: Sendable>(_ body: @Sendable (Self) async throws -> Result) async throws -> Result {
        let account = ScriptedAPI.Account(freshState)
        let router = Router()
        addRoutes(for: account, to: router)
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await application.test(.live) { client in
            try await body(Self(account: account, baseURL: "http://127.0.0.1:\(client.port!)"))
        }
    }
}
