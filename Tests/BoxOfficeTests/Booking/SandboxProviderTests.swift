import BoxOfficeStorage
import Payments
import Testing

@Suite("The sandbox provider: idempotent creation, and changes of one payment that race", .timeLimit(.minutes(2)))
struct SandboxProviderTests {
    static func sandbox(_ database: Database) -> SandboxProvider {
        SandboxProvider(configuration: .init(webhookSecret: "whsec_sandbox_tests"), database: database)
    }

    @Test(arguments: TestEngine.allCases)
    func aRepeatedKeyGivesTheSamePaymentAndAKeyReusedForAnotherIsRefused(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let sandbox = Self.sandbox(database)
            let first = try await sandbox.createPayment(amount: Money(52_000, "INR"), orderID: "order-1", idempotencyKey: "create-1")
            let again = try await sandbox.createPayment(amount: Money(52_000, "INR"), orderID: "order-1", idempotencyKey: "create-1")
            #expect(again.reference == first.reference)
            #expect(again.status == .awaitingMethod)
            await #expect(throws: PaymentError.refused("idempotency key create-1 was used for another payment")) {
                try await sandbox.createPayment(amount: Money(1_000, "INR"), orderID: "order-1", idempotencyKey: "create-1")
            }
            let other = try await sandbox.createPayment(amount: Money(52_000, "INR"), orderID: "order-1", idempotencyKey: "create-2")
            #expect(other.reference != first.reference)
        }
    }

    /// Captures and cancels of one authorized payment at once: whichever lands first wins, and
    /// every call of the other kind is refused (a change is written only over the row it read).
    @Test(arguments: TestEngine.allCases)
    func capturesAndCancelsThatRaceLeaveOneOutcome(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let sandbox = Self.sandbox(database)
            for round in 0..<5 {
                let payment = try await sandbox.createPayment(amount: Money(52_000, "INR"), orderID: "order-\(round)",
                                                              idempotencyKey: "create-\(round)")
                let confirmed = try await sandbox.confirmPayment(payment.reference, paymentMethod: SandboxCard.success.rawValue,
                                                                 idempotencyKey: "confirm-\(round)")
                #expect(confirmed.status == .authorized)
                let outcomes = await withTaskGroup(of: (isCapture: Bool, status: ProviderPayment.Status?).self) { group in
                    for call in 0..<16 {
                        group.addTask {
                            if call % 2 == 0 {
                                return (true, try? await sandbox.capturePayment(payment.reference, idempotencyKey: "capture-\(call)").status)
                            }
                            return (false, try? await sandbox.cancelPayment(payment.reference, idempotencyKey: "cancel-\(call)").status)
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                let final = try await sandbox.fetchPayment(payment.reference).status
                let captures = outcomes.filter(\.isCapture).map(\.status)
                let cancels = outcomes.filter { !$0.isCapture }.map(\.status)
                if final == .captured {
                    #expect(captures.allSatisfy { $0 == .captured })
                    #expect(cancels.allSatisfy { $0 == nil })
                } else {
                    #expect(final == .canceled)
                    #expect(cancels.allSatisfy { $0 == .canceled })
                    #expect(captures.allSatisfy { $0 == nil })
                }
            }
        }
    }
}
