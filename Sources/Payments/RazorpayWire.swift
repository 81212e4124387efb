import Foundation

/// Razorpay's objects as far as they are read or sent here (snake case, as on the wire).
enum RazorpayWire {
    struct List<Item: Decodable>: Decodable {
        var items: [Item]
    }

    struct Order: Decodable {
        var id: String
        var amount: Int64
        var currency: String
        /// `created`, `attempted` or `paid`.
        var status: String
        var receipt: String?
        var notes: Notes?
    }

    struct Payment: Codable, Equatable {
        var id: String
        var order_id: String?
        var amount: Int64
        var currency: String
        /// `created`, `authorized`, `captured`, `refunded` or `failed`.
        var status: String
        var captured: Bool?
        var error_code: String?
        var error_reason: String?
        var error_description: String?
    }

    struct Refund: Decodable {
        var id: String
        var payment_id: String
        var amount: Int64
        var currency: String
        /// `pending`, `processed` or `failed`.
        var status: String
        var receipt: String?
        var notes: Notes?

        /// As the saga knows refunds: the order's reference is ours, kept in the refund's notes.
        func provided(orderReference: String?) -> ProviderRefund {
            let state: ProviderRefund.Status = switch status {
            case "processed": .succeeded
            case "failed": .failed(reason: "Razorpay could not refund the payment")
            default: .pending
            }
            return ProviderRefund(reference: id, paymentReference: orderReference ?? notes?["order_reference"] ?? "",
                                  amount: Money(amount, currency), status: state)
        }
    }

    /// Notes are a free map; Razorpay sends an empty one as `[]`, so an array reads as empty.
    struct Notes: Decodable {
        var values: [String: String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            values = (try? container.decode([String: String].self)) ?? [:]
        }

        subscript(key: String) -> String? { values[key] }
    }

    struct Event: Decodable {
        struct Payload: Decodable {
            struct Entity<Object: Decodable>: Decodable {
                var entity: Object
            }
            struct OrderID: Decodable {
                var id: String
            }
            var payment: Entity<Payment>?
            var refund: Entity<Refund>?
            var order: Entity<OrderID>?
        }
        var event: String
        var payload: Payload
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String?
            var description: String?
        }
        var error: Detail
    }

    struct NewOrder: Encodable {
        struct PaymentOptions: Encodable {
            var capture: String
        }
        var amount: Int64
        var currency: String
        var receipt: String
        var notes: [String: String]
        var payment: PaymentOptions
    }

    struct Capture: Encodable {
        var amount: Int64
        var currency: String
    }

    struct NewRefund: Encodable {
        var amount: Int64
        var receipt: String
        var notes: [String: String]
    }
}

/// How a Razorpay order's payment stands, from the order and every payment attempted on it
/// (Checkout lets the customer try again on the same order after a failure). Pure, so the rules
/// are tested without a server:
/// - a captured payment makes the order captured, and an authorized one authorized;
/// - a payment Razorpay refunded without a capture (its own auto-refund) voided the order;
/// - a payment still being decided keeps it processing;
/// - failed attempts leave the order waiting for another attempt in Checkout, not failed: the
///   customer may still succeed on it until our hold runs out.
struct RazorpayPaymentState {
    let order: RazorpayWire.Order
    let payments: [RazorpayWire.Payment]

    var captured: RazorpayWire.Payment? {
        payments.first { $0.status == "captured" || ($0.status == "refunded" && $0.captured == true) }
    }

    var authorized: RazorpayWire.Payment? { payments.first { $0.status == "authorized" } }

    var payment: ProviderPayment {
        let orderID = order.notes?["order_id"] ?? ""
        func made(_ status: ProviderPayment.Status, _ amount: Int64, _ currency: String) -> ProviderPayment {
            ProviderPayment(reference: order.id, status: status, amount: Money(amount, currency), orderID: orderID,
                            clientSecret: order.id)
        }
        if let captured { return made(.captured, captured.amount, captured.currency) }
        if let authorized { return made(.authorized, authorized.amount, authorized.currency) }
        if payments.contains(where: { $0.status == "refunded" }) { return made(.canceled, order.amount, order.currency) }
        if payments.contains(where: { $0.status == "created" }) { return made(.processing, order.amount, order.currency) }
        return made(.awaitingMethod, order.amount, order.currency)
    }
}
