import Booking
import BoxOfficeEdge
import Hummingbird
import Logging
import Payments
import ServiceLifecycle

/// Hands the sandbox provider's webhooks to the booking service, as a provider's HTTP delivery
/// would (the same signature check, inbox and drive), many at a time as a provider's
/// deliveries arrive. The provider's stream keeps only its newest events, so a delivery that
/// falls behind loses webhooks: one at a time, each waiting for its order's lock, fell behind a
/// busy sale, and so did 16 at a time (in a 100,000-seat sale on two cores, more than half of
/// the 80,000 webhooks were dropped; with 128, none). A refused or failed one is logged; the
/// reconciler settles the order anyway.
struct SandboxWebhookDelivery: Service {
    /// Webhooks being processed at once at most: as many as the customers' requests a busy
    /// instance serves at once, since each booking sends two.
    static let inFlightMax = 128

    let sandbox: SandboxProvider
    let booking: BookingService
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await Self.deliver(sandbox.webhooks, atOnceMax: Self.inFlightMax) { webhook in await deliver(webhook) }
        }
    }

    /// Runs `deliver` for each webhook as it arrives, `atOnceMax` at most at a time; returns when
    /// the stream ends and every delivery is done.
    static func deliver<Webhooks: AsyncSequence & Sendable>(
        _ webhooks: Webhooks, atOnceMax: Int, _ deliver: @escaping @Sendable (Webhooks.Element) async -> Void
    ) async where Webhooks.Element: Sendable, Webhooks.Failure == Never {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await webhook in webhooks {
                if inFlight == atOnceMax {
                    await group.next()
                    inFlight -= 1
                }
                group.addTask { await deliver(webhook) }
                inFlight += 1
            }
        }
    }

    private func deliver(_ webhook: SandboxProvider.Webhook) async {
        do {
            try await booking.receiveWebhook(provider: sandbox.name, rawBody: webhook.body, headers: webhook.headers)
        } catch {
            logger.warning("sandbox webhook not processed", metadata: ["error": "\(error)"])
        }
    }
}

/// The sandbox's stand-in for a bank's 3-D Secure page: approve or reject a payment waiting
/// for the customer (`POST /sandbox/payments/{reference}/authenticate {"approved": true}`).
struct SandboxController: Sendable {
    typealias Context = BoxOfficeRequestContext
    let sandbox: SandboxProvider

    struct Authentication: Decodable {
        var approved: Bool
    }

    struct PaymentView: ResponseEncodable {
        var reference: String
        var status: String
    }

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("payments/{reference}/authenticate") { request, context in
            let reference = try context.parameters.require("reference")
            let body = try await request.decode(as: Authentication.self, context: context)
            do {
                let payment = try await sandbox.authenticate(reference, approved: body.approved)
                return PaymentView(reference: payment.reference, status: payment.status.name)
            } catch PaymentError.unknownPayment {
                throw Problem.notFound("No such sandbox payment.")
            }
        }
    }
}
