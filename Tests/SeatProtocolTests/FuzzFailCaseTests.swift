import Foundation
import SeatProtocol
import SeatProtocolFuzzing
import Testing

/// The fuzzing harness (`Fuzz/run`) and what it found.
@Suite(.timeLimit(.minutes(1))) struct FuzzFailCaseTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/FailCases")

    static let corpus = directory.deletingLastPathComponent().appendingPathComponent("Corpus")

    /// Inputs the fuzzer once found to crash, minimised and kept (none so far; see the folder's
    /// README), and the fuzzer's seed corpus, one input per test vector: all run again on every
    /// test run, and each must run to the end (a crash or trap fails the whole test process).
    /// The corpus must hold every vector, so it can be neither emptied nor left behind the
    /// vectors unnoticed.
    @Test func everyKeptInputRunsCleanly() throws {
        let failCases = try Self.inputs(in: Self.directory)
        let corpus = try Self.inputs(in: Self.corpus)
        var vectorCount = 0
        for file in ["errors", "events", "malformed", "requests", "responses"] {
            vectorCount += try ProtocolVectorTests.load(file + ".json").count
        }
        #expect(corpus.count == vectorCount, "Fuzz/Corpus holds \(corpus.count) inputs for \(vectorCount) vectors: run Fuzz/run")
        for input in failCases + corpus {
            let bytes = try Data(contentsOf: input)
            _ = bytes.withUnsafeBytes { ProtocolFuzzing.exercise($0) }
        }
    }

    static func inputs(in folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// The harness reaches the server's refusals: each malformed vector, fed as the fuzzer's
    /// seed corpus feeds it (HELLO first when the vector needs it, control byte 0x01; else
    /// 0x00), ends in the vector's documented error, whatever the read size.
    @Test(arguments: [UInt8(0x00), 0x02, 0xf2])
    func theHarnessReachesEveryMalformedFramesRefusal(readSizeBits: UInt8) throws {
        let vectors = try ProtocolVectorTests.load("malformed.json")
        for vector in vectors {
            let afterHello = vector.fields["afterHello"] as? Bool == true
            let expected = try #require(vector.fields["error"] as? String)
            let input = [(afterHello ? 1 : 0) | readSizeBits] + Array(vector.wire.readableBytesView)
            let refusals = input.withUnsafeBytes { ProtocolFuzzing.exercise($0) }
            #expect(refusals.map(\.description).contains(expected), "\(vector.name): \(refusals)")
        }
    }
}
