import BoxOfficeEdge
import Foundation
import Hummingbird
import Payments

/// The sandbox's stand-in for a bank's 3-D Secure page, where a payment that needs the
/// customer's confirmation is approved or refused (the real providers show their own).
struct SandboxBankPage: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let sandbox: SandboxProvider

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("sandbox/payments/{reference}/authenticate", use: page)
        group.post("sandbox/payments/{reference}/challenge", use: answer)
    }

    struct Content: Sendable {
        let reference: String
        let amount: String
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        let payment = try await payment(context)
        guard payment.status == .requiresAction else { return PageRenderer.redirect(to: "/orders/\(payment.orderID)") }
        return renderer.render("bank", title: "Confirm your payment", content: Content(reference: payment.reference, amount: payment.amount.formatted),
                               context: context)
    }

    struct Answer: Decodable {
        var approved: String
    }

    @Sendable func answer(_ request: Request, context: Context) async throws -> Response {
        let payment = try await payment(context)
        var request = request
        let form = try await request.form(Answer.self, context: context)
        if payment.status == .requiresAction {
            _ = try await sandbox.authenticate(payment.reference, approved: form.approved == "yes")
        }
        return PageRenderer.redirect(to: "/orders/\(payment.orderID)")
    }

    private func payment(_ context: Context) async throws -> ProviderPayment {
        let reference = try context.parameters.require("reference")
        do {
            return try await sandbox.fetchPayment(reference)
        } catch {
            throw WebError.notFound("No such sandbox payment.")
        }
    }
}
