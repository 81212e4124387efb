import Foundation
import NIOCore
import SeatProtocol

/// A message as the `decoded` object of a test vector: fields by name, by reflection, so the
/// vectors show exactly what the Swift types hold. Integers stay integers; enums without payload
/// become their raw value; optionals that are nil become null; byte arrays of JSON become text.
func jsonValue(_ value: Any) -> Any {
    if let number = value as? any BinaryInteger {
        // UInt64 values above Int64.max (booking ids) stay exact.
        if let signed = Int64(exactly: number) { return NSNumber(value: signed) }
        return NSNumber(value: UInt64(truncatingIfNeeded: number))
    }
    if let text = value as? String { return text }
    if let flag = value as? Bool { return flag }
    // Seat states are binary: shown as hex, where other byte arrays are JSON documents.
    if let states = value as? SeatStateCoding {
        return ["form": "\(states.form)", "bytes": states.bytes.map { String(format: "%02x", $0) }.joined()]
    }
    if let bytes = value as? [UInt8] { return String(decoding: bytes, as: UTF8.self) }
    if let raw = value as? any RawRepresentable { return jsonValue(raw.rawValue) }
    let mirror = Mirror(reflecting: value)
    switch mirror.displayStyle {
    case .optional:
        guard let wrapped = mirror.children.first?.value else { return NSNull() }
        return jsonValue(wrapped)
    case .collection, .set:
        return mirror.children.map { jsonValue($0.value) }
    case .enum:
        guard let payload = mirror.children.first else { return "\(value)" }
        return [payload.label ?? "value": jsonValue(payload.value)]
    case .tuple:
        return Dictionary(uniqueKeysWithValues: mirror.children.enumerated().map { index, child in
            (child.label.map { $0.hasPrefix(".") ? "_\(index)" : $0 } ?? "_\(index)", jsonValue(child.value))
        })
    default:
        return Dictionary(uniqueKeysWithValues: mirror.children.map { ($0.label ?? "_", jsonValue($0.value)) })
    }
}

func headerJSON(_ header: FrameHeader) -> [String: Any] {
    [
        "version": Int(header.version), "flags": Int(header.flags.rawValue), "opcode": header.opcode.description,
        "requestId": Int(header.requestID), "payloadLength": Int(header.payloadLength),
    ]
}

extension ByteBuffer {
    var hex: String { readableBytesView.map { String(format: "%02x", $0) }.joined() }
}
