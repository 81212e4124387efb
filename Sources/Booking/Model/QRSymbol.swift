import CQRencode

/// A QR code symbol, encoded by libqrencode (Debian's `libqrencode`, the library behind the
/// `qrencode` command): a square of dark and light modules, drawn as SVG for e-tickets.
public struct QRSymbol: Sendable, Equatable {
    /// Modules per side.
    public let width: Int
    /// Row by row, `true` for a dark module.
    public let modules: [Bool]

    public enum EncodingError: Error, Equatable {
        /// libqrencode refused (too long for the largest symbol, or out of memory).
        case notEncodable
    }

    /// The symbol for `text` at error-correction level M (15 % of it may be damaged and still read).
    public init(encoding text: String) throws(EncodingError) {
        guard let symbol = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { throw .notEncodable }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        self.width = width
        // Bit 0 of each byte is the module's colour; the other bits say what part of the symbol it is.
        modules = (0..<width * width).map { symbol.pointee.data[$0] & 1 == 1 }
    }

    public func isDark(row: Int, column: Int) -> Bool { modules[row * width + column] }

    /// An SVG image of the symbol with the four-module quiet zone scanners need around it; one
    /// path of unit squares, scaled by the viewer.
    public func svg(title: String) -> String {
        let side = width + 8
        var path = ""
        for row in 0..<width {
            for column in 0..<width where isDark(row: row, column: column) {
                path += "M\(column + 4) \(row + 4)h1v1h-1z"
            }
        }
        return #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(side) \#(side)" shape-rendering="crispEdges" role="img">"#
            + "<title>\(HTML.escape(title))</title>"
            + #"<rect width="\#(side)" height="\#(side)" fill="white"/><path fill="black" d="\#(path)"/></svg>"#
    }
}

/// Text made safe to put in HTML (and SVG) content and attribute values.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
