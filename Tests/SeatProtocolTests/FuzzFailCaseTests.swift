import Foundation
import SeatProtocol
import SeatProtocolFuzzing
import Testing

/// The fuzzing harness (`Fuzz/run`) and what it found.
@Suite(.timeLimit(.minutes(1))) struct FuzzFailCaseTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/FailCases")

    /// Inputs the fuzzer once found to crash, minimised and kept, run again on every test run:
    /// each must now run to the end (a crash or trap fails the whole test process).
    @Test func everyKeptFailCaseRunsCleanly() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { !$0.hasPrefix(".") && $0 != "README.md" }
        for name in names {
            let bytes = try Data(contentsOf: Self.directory.appendingPathComponent(name))
            _ = bytes.withUnsafeBytes { ProtocolFuzzing.exercise($0) }
        }
    }

    /// The harness reaches the server's refusals: each malformed vector, fed as the fuzzer's
    /// seed corpus feeds it (HELLO first when the vector needs it, control byte 0x01; else
    /// 0x00), ends in the vector's documented error, whatever the read size.
    @Test(arguments: [UInt8(0x00), 0x02, 0xf2])
    func theHarnessReachesEveryMalformedFramesRefusal(readSizeBits: UInt8) throws {
        let vectors = try ProtocolVectorTests.load("malformed.json")
        for vector in vectors {
            let afterHello = vector.object["afterHello"] as? Bool == true
            let expected = try #require(vector.object["error"] as? String)
            let input = [(afterHello ? 1 : 0) | readSizeBits] + Array(vector.wire.readableBytesView)
            let refusals = input.withUnsafeBytes { ProtocolFuzzing.exercise($0) }
            #expect(refusals.map(\.description).contains(expected), "\(vector.name): \(refusals)")
        }
    }
}
