import Foundation
import SeatTestSupport
import Testing
@testable import SeatJournal

// Two minutes: the lz4 command gets 60 s of its own (then it is killed and named), which a one-minute
// suite limit pre-empted once in a loaded full run, hiding what the child was doing.
@Suite(.timeLimit(.minutes(2))) struct LZ4FrameTests {
    static func sample(_ count: Int, seed: UInt64) -> [UInt8] {
        // Half runs (compressible, like seat bitmaps), half noise.
        var state = seed
        return (0..<count).map { index in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return index % 4096 < 2048 ? UInt8(index / 4096 % 251) : UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test(arguments: [0, 1, 100, 70_000, 5_000_000])
    func framesRoundTrip(count: Int) throws {
        let original = Self.sample(count, seed: UInt64(count))
        let frame = try LZ4Frame.compress(original)
        #expect(try LZ4Frame.decompress(frame, limit: count) == original)
        if count > 1_000 { #expect(frame.count < original.count) }
    }

    /// The `lz4` command (Debian's lz4 package) reads our frames and we read its.
    @Test func theLz4CommandReadsOurFramesAndWeReadIts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = Self.sample(300_000, seed: 7)
        let ours = URL(fileURLWithPath: directory.path + "/ours.lz4")
        try Data(try LZ4Frame.compress(original)).write(to: ours)
        try await run("/usr/bin/lz4", ["-d", "-q", ours.path, directory.path + "/ours.raw"])
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path + "/ours.raw"))) == original)

        try Data(original).write(to: URL(fileURLWithPath: directory.path + "/theirs.raw"))
        try await run("/usr/bin/lz4", ["-q", "-z", directory.path + "/theirs.raw", directory.path + "/theirs.lz4"])
        let theirs = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path + "/theirs.lz4")))
        #expect(try LZ4Frame.decompress(theirs, limit: original.count) == original)
    }

    @Test func damageAndExcessAreRefused() throws {
        let original = Self.sample(100_000, seed: 3)
        var frame = try LZ4Frame.compress(original)
        #expect(throws: LZ4Frame.Failure.self) { try LZ4Frame.decompress(frame, limit: 99_999) }
        #expect(throws: LZ4Frame.Failure.self) { try LZ4Frame.decompress(Array(frame.dropLast(5)), limit: 200_000) }
        frame[frame.count / 2] ^= 0x40
        #expect(throws: LZ4Frame.Failure.self) { try LZ4Frame.decompress(frame, limit: 200_000) }
    }

    func run(_ executable: String, _ arguments: [String]) async throws {
        let output = try TemporaryDirectory()
        defer { output.remove() }
        let status = try await ChildProcess([executable] + arguments, output: output.path + "/output").exitStatus(within: .seconds(60))
        #expect(status == 0, "\(executable) \(arguments)")
    }
}
