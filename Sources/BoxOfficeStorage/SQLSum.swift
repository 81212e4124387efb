import SQLKit

/// `SUM` of an integer column as a 64-bit integer on both engines, 0 when no row matches:
/// PostgreSQL sums `bigint` into `numeric`, which does not decode as an `Int64`.
public struct SQLIntegerSum: SQLExpression {
    let column: String

    public init(_ column: String) {
        self.column = column
    }

    public func serialize(to serializer: inout SQLSerializer) {
        serializer.write("CAST(COALESCE(SUM(")
        SQLColumn(column).serialize(to: &serializer)
        serializer.write("), 0) AS BIGINT)")
    }
}
