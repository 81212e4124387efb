import Foundation
import NIOCore
import SeatProtocol

/// One entry of the files in `Protocol/vectors/`: its name, its bytes, and its other fields as
/// JSON values.
public struct ProtocolVector: @unchecked Sendable {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors")

    public let name: String
    public let wire: ByteBuffer
    public let fields: [String: Any]

    public struct Unreadable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The entries of one file, e.g. `requests.json`.
    public static func load(_ file: String) throws -> [ProtocolVector] {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        guard let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Unreadable(description: "\(file) is not an array of objects")
        }
        return try entries.map { entry in
            let name = entry["name"] as? String ?? "?"
            guard let hex = entry["wire"] as? String, hex.count.isMultiple(of: 2) else {
                throw Unreadable(description: "\(file), \(name): no wire")
            }
            let bytes = try stride(from: 0, to: hex.count, by: 2).map { offset in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                guard let byte = UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) else {
                    throw Unreadable(description: "\(file), \(name): wire is not hex")
                }
                return byte
            }
            return ProtocolVector(name: name, wire: ByteBuffer(bytes: bytes), fields: entry)
        }
    }

    /// The frame at the start of `wire`.
    public func frame() throws -> Frame {
        var decoder = FrameDecoder(firstFramePayloadBytesMax: nil)
        var wire = wire
        guard let frame = try decoder.nextFrame(from: &wire) else { throw Unreadable(description: "\(name): no whole frame") }
        return frame
    }
}
