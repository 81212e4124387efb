import BoxOfficeStorage
import Synchronization

/// The sandbox's payments as this process last wrote them, so that a change of one (confirm,
/// capture) is written without reading it first: the write is conditional on every column a
/// change may touch, so a row that another writer changed since is never written over; the
/// change is then tried again from the table. A hint, never an answer by itself.
///
/// Rows of payments that can no longer change (captured, canceled) are not kept. At most
/// ``rowsMax`` are; past it the rows kept start over (each payment is then read once more).
final class KnownPaymentRows: Sendable {
    /// Payments remembered at most: far more than are paid for at once in a busy sale.
    static let rowsMax = 10_000

    private let rows = Mutex(BoundedDictionary<String, PaymentRow>(entriesMax: KnownPaymentRows.rowsMax))

    /// The row as this process last wrote it, if it did.
    func row(_ reference: String) -> PaymentRow? {
        rows.withLock { $0[reference] }
    }

    /// Remembers `row` as written; forgets it when it can no longer change.
    func wrote(_ row: PaymentRow) {
        rows.withLock { rows in
            guard row.status != PaymentRow.captured, row.status != PaymentRow.canceled else {
                rows.removeValue(forKey: row.reference)
                return
            }
            rows.set(row, for: row.reference)
        }
    }

    /// Forgets the row of `reference` (the table holds something else).
    func forget(_ reference: String) {
        rows.withLock { _ = $0.removeValue(forKey: reference) }
    }

    /// Rows remembered now (for tests).
    var count: Int { rows.withLock { $0.count } }
}
