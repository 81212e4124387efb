/// Rows for `COPY … FROM STDIN` in PostgreSQL's text format: fields separated by tabs, one row
/// per line, `\N` for NULL. Only numbers and integer arrays are written, none of which needs
/// escaping, so the builder has no way to write text that would.
public struct CopyRows {
    public private(set) var bytes: [UInt8] = []
    public private(set) var count = 0
    private var atRowStart = true

    public init() {}

    public var isEmpty: Bool { count == 0 }

    public mutating func field<Value: FixedWidthInteger>(_ value: Value) {
        separate()
        append(value)
    }

    public mutating func field(_ value: Bool) {
        separate()
        bytes.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
    }

    /// An integer array: `{1,2,3}`.
    public mutating func field<Value: FixedWidthInteger>(array values: [Value]) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            append(value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        count += 1
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
