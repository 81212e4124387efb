/// Rows for `COPY … FROM STDIN` in PostgreSQL's text format: fields separated by tabs, one row
/// per line. Only integers and booleans are written, neither of which needs escaping, so the
/// builder has no way to write text that would.
public struct CopyRows {
    public private(set) var bytes: [UInt8] = []
    private var atRowStart = true

    public init() {}

    public mutating func field<Value: FixedWidthInteger>(_ value: Value) {
        separate()
        append(value)
    }

    public mutating func field(_ value: Bool) {
        separate()
        bytes.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    public mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        atRowStart = true
    }

    private mutating func separate() {
        if !atRowStart { bytes.append(UInt8(ascii: "\t")) }
        atRowStart = false
    }

    private mutating func append<Value: FixedWidthInteger>(_ value: Value) {
        // Decimal digits without going through String: this runs for every copied field.
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }
}
