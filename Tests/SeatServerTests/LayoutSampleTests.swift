import Foundation
import SeatClient
import SeatInventory
import SeatProtocol
import Testing

/// The sample layout in `Protocol/layouts/` is one the server takes, and each fault of
/// `faults.json` (applied to it) is refused with the message that file says, at its place in the
/// document. `scripts/check-layout-schema.py` checks the same files against the JSON Schema, so
/// the schema and the server agree on what a layout is.
@Suite(.timeLimit(.minutes(1))) struct LayoutSampleTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/layouts")

    static func sample() throws -> Data { try Data(contentsOf: directory.appendingPathComponent("studio-2.json")) }

    struct Fault: Decodable, CustomTestStringConvertible {
        let fault: String
        let op: String
        let path: String
        let refusal: String
        var testDescription: String { fault }
    }

    static let faults: [Fault] = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("faults.json"))
        return try! JSONDecoder().decode([Fault].self, from: data)
    }()

    @Test func theSampleIsDefinedWithItsSeats() async throws {
        try await withServer { server in
            let admin = server.client(key: TestServer.adminKey)
            let (layout, seatCount) = try await admin.defineLayout(json: Array(try Self.sample()))
            #expect(seatCount == 16)
            let show = try await admin.createShow(
                CreateShowRequest(layout: layout, seatsPerHoldMax: 4, holdLifetimeSeconds: 60, forbidsSingleSeatGaps: true))
            let availability = try await admin.availability(show: show)
            #expect(availability.counts.blocked == 1 && availability.categories.map(\.id) == ["standard", "premium"])
        }
    }

    @Test(arguments: faults) func eachFaultIsRefusedAtItsPlace(fault: Fault) async throws {
        let entries = try JSONSerialization.jsonObject(with: Self.directory.appendingPathComponent("faults.json").contents())
        let entry = try #require((entries as? [[String: Any]])?.first { $0["fault"] as? String == fault.fault })
        var document = try JSONSerialization.jsonObject(with: try Self.sample())
        try JSONPointerPatch.apply(op: fault.op, path: fault.path, value: entry["value"], to: &document)
        let json = Array(try JSONSerialization.data(withJSONObject: document))
        try await withServer { server in
            let admin = server.client(key: TestServer.adminKey)
            let refused = await refusal { try await admin.defineLayout(json: json) }
            #expect(refused?.code == .invalidLayout)
            #expect(refused?.message == fault.refusal)
        }
    }
}

/// The two JSON Patch operations `faults.json` uses, on JSONSerialization's values.
enum JSONPointerPatch {
    struct Unapplicable: Error, CustomStringConvertible {
        let description: String
    }

    static func apply(op: String, path: String, value: Any?, to document: inout Any) throws {
        let tokens = path.split(separator: "/").map(String.init)
        try apply(op: op, tokens[...], value: value, to: &document)
    }

    private static func apply(op: String, _ tokens: ArraySlice<String>, value: Any?, to node: inout Any) throws {
        guard let token = tokens.first else { throw Unapplicable(description: "empty path") }
        let isLast = tokens.count == 1
        if var object = node as? [String: Any] {
            if isLast {
                object[token] = op == "remove" ? nil : value
            } else {
                guard var child = object[token] else { throw Unapplicable(description: "no \(token)") }
                try apply(op: op, tokens.dropFirst(), value: value, to: &child)
                object[token] = child
            }
            node = object
        } else if var array = node as? [Any], let index = Int(token), array.indices.contains(index) {
            if isLast {
                if op == "remove" { array.remove(at: index) } else { array[index] = value as Any }
            } else {
                try apply(op: op, tokens.dropFirst(), value: value, to: &array[index])
            }
            node = array
        } else {
            throw Unapplicable(description: "cannot follow \(token)")
        }
    }
}

extension URL {
    fileprivate func contents() throws -> Data { try Data(contentsOf: self) }
}
