import Foundation
import SeatProtocolFuzzing
import Testing

/// Inputs the fuzzer (`Fuzz/run`) once found to crash, minimised and kept in `Fuzz/FailCases/`,
/// replayed through the same code on every test run.
@Suite struct FuzzFailCaseTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/FailCases")

    static var cases: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") && $0.lastPathComponent != "README.md" }
    }

    @Test func everyKeptFailCaseRunsCleanly() throws {
        for url in Self.cases {
            let bytes = try Data(contentsOf: url)
            bytes.withUnsafeBytes { ProtocolFuzzing.exercise($0) }
        }
    }
}
