import BoxOfficeStorage
import Foundation
@testable import Payments
import Testing

@Suite("The sandbox provider: idempotent creation, and changes of one payment that race", .timeLimit(.minutes(2)))
struct SandboxProviderTests {
    static func sandbox(_ database: Database) -> SandboxProvider {
        SandboxProvider(configuration: .init(webhookSecret: "whsec_sandbox_tests"), database: database)
    }

    /// Nobody delivers this sandbox's webhooks, and it keeps two waiting at most: of a payment's
    /// three (authorized, captured, refund succeeded), the oldest goes and is counted.
    @Test func webhooksPastTheWaitingLimitAreDroppedOldestFirstAndCounted() async throws {
        try await Harness.withDatabase(.sqlite) { database in
            var configuration = SandboxProvider.Configuration(webhookSecret: "whsec_sandbox_tests")
            configuration.webhooksWaitingMax = 2
            let sandbox = SandboxProvider(configuration: configuration, database: database)
            let payment = try await sandbox.createPayment(amount: Money(52_000, "INR"), orderID: "order-1", idempotencyKey: "create-1")
            _ = try await sandbox.confirmPayment(payment.reference, paymentMethod: SandboxCard.success.rawValue, idempotencyKey: "confirm-1")
            _ = try await sandbox.capturePayment(payment.reference, idempotencyKey: "capture-1")
            _ = try await sandbox.refund(payment.reference, amount: Money(52_000, "INR"), idempotencyKey: "refund-1")
            #expect(sandbox.webhooksDropped == 1)
            var types: [String] = []
            for await webhook in sandbox.webhooks {
                struct Event: Decodable { var type: String }
                types.append(try JSONDecoder().decode(Event.self, from: Data(webhook.body)).type)
                if types.count == 2 { break }
            }
            #expect(types == ["payment.captured", "refund.succeeded"])
        }
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

    /// Two sandboxes on one database stand for two processes: each remembers the rows it wrote,
    /// and the other's changes must still win over what it remembers.
    @Test(arguments: TestEngine.allCases)
    func aRememberedRowThatAnotherWriterChangedIsNeverTheAnswer(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let this = Self.sandbox(database)
            let other = Self.sandbox(database)
            // Changed elsewhere, then changed here: the write over the remembered row finds it
            // gone, and the change is decided again on the table's row.
            let cancelled = try await this.createPayment(amount: Money(52_000, "INR"), orderID: "order-1", idempotencyKey: "create-1")
            _ = try await this.confirmPayment(cancelled.reference, paymentMethod: SandboxCard.success.rawValue, idempotencyKey: "confirm-1")
            #expect(this.knownRows.row(cancelled.reference)?.status == "authorized")
            #expect(try await other.cancelPayment(cancelled.reference, idempotencyKey: "cancel-1").status == .canceled)
            await #expect(throws: PaymentError.refused("payment \(cancelled.reference) cannot be captured: it is canceled")) {
                try await this.capturePayment(cancelled.reference, idempotencyKey: "capture-1")
            }
            #expect(this.knownRows.row(cancelled.reference) == nil)
            // Changed elsewhere, then left alone here: the answer is the table's, not the memory's.
            let authenticated = try await this.createPayment(amount: Money(52_000, "INR"), orderID: "order-2", idempotencyKey: "create-2")
            let waiting = try await this.confirmPayment(authenticated.reference, paymentMethod: SandboxCard.requiresAuthentication.rawValue,
                                                        idempotencyKey: "confirm-2")
            #expect(waiting.status == .requiresAction)
            #expect(try await other.authenticate(authenticated.reference, approved: true).status == .authorized)
            let again = try await this.confirmPayment(authenticated.reference, paymentMethod: SandboxCard.requiresAuthentication.rawValue,
                                                      idempotencyKey: "confirm-2")
            #expect(again.status == .authorized)
            // Captured here: nothing left to change, so nothing is kept.
            #expect(try await this.capturePayment(authenticated.reference, idempotencyKey: "capture-2").status == .captured)
            #expect(this.knownRows.row(authenticated.reference) == nil)
            #expect(this.knownRows.count == 0)
        }
    }

    @Test
    func theRememberedRowsStartOverPastTheirLimit() {
        let rows = KnownPaymentRows()
        func row(_ index: Int, _ status: String = "authorized") -> PaymentRow {
            PaymentRow(reference: "pay_\(index)", createKey: "create-\(index)", orderId: "order-\(index)", amountMinor: 100,
                       currency: "INR", card: nil, status: status, failureReason: nil, createdAtMs: 0, processingUntilMs: nil)
        }
        for index in 0..<KnownPaymentRows.rowsMax { rows.wrote(row(index)) }
        #expect(rows.count == KnownPaymentRows.rowsMax)
        // Rewriting a remembered row takes no room.
        rows.wrote(row(7, "requires_action"))
        #expect(rows.count == KnownPaymentRows.rowsMax)
        #expect(rows.row("pay_7")?.status == "requires_action")
        rows.wrote(row(KnownPaymentRows.rowsMax))
        #expect(rows.count == 1)
        #expect(rows.row("pay_0") == nil)
        #expect(rows.row("pay_\(KnownPaymentRows.rowsMax)") != nil)
        rows.wrote(row(KnownPaymentRows.rowsMax, "captured"))
        #expect(rows.count == 0)
    }
}
