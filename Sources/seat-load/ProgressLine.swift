import Foundation

/// A line on a terminal's standard error, redrawn while the run goes: time, a bar, and the
/// headline count so far. Nothing when standard error is not a terminal.
struct ProgressLine {
    static let width = 30

    let isShown = isatty(STDERR_FILENO) != 0

    func draw(elapsed: Double, of total: Double, count: Int, noun: String) {
        guard isShown else { return }
        let filled = Int((min(elapsed / total, 1) * Double(Self.width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Self.width - filled)
        let time = String(format: "%5.1f / %.1f s", elapsed, total)
        FileHandle.standardError.write(Data("\r  \(time) [\(bar)] \(count) \(noun)s ".utf8))
    }

    func clear() {
        guard isShown else { return }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: Self.width + 60) + "\r").utf8))
    }
}
