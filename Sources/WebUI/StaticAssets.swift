import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The stylesheet, scripts, icons, manifest and service worker, read once at start and served
/// from memory. Pages link each with its content's hash (`/static/app.css?v=3f2a…`), so a
/// browser keeps a file for a year and fetches it again exactly when it changed.
struct StaticAssets: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let version: String
    }

    /// Above this, a file does not belong in the page shell (the page budget is 150 KB in all).
    static let fileBytesMax = 64 * 1024

    let assets: [String: Asset]

    /// Reads every file of `directory` (not its subfolders).
    init(directory: URL) throws {
        var assets: [String: Asset] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where !name.hasPrefix(".") {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            precondition(data.count <= Self.fileBytesMax, "\(name) is over the static file limit")
            let digest = SHA256.hash(data: data).prefix(6).map { String(format: "%02x", $0) }.joined()
            assets[name] = Asset(body: ByteBuffer(bytes: data), contentType: Self.contentType(of: name), version: digest)
        }
        self.assets = assets
    }

    /// The versioned address of a file, for pages to link.
    func url(_ name: String) -> String {
        guard let asset = assets[name] else { preconditionFailure("no static file \(name)") }
        return "/static/\(name)?v=\(asset.version)"
    }

    func response(_ name: String, request: Request, cacheForever: Bool) -> Response? {
        guard let asset = assets[name] else { return nil }
        let etag = "\"\(asset.version)\""
        var headers: HTTPFields = [
            .contentType: asset.contentType, .eTag: etag,
            .cacheControl: cacheForever ? "public, max-age=31536000, immutable" : "no-cache",
        ]
        if name == "sw.js" { headers[HTTPField.Name("Service-Worker-Allowed")!] = "/" }
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "webmanifest": "application/manifest+json"
        default: "application/octet-stream"
        }
    }
}
