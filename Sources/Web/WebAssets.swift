import Crypto
import Foundation

/// The stylesheet, script and icon served under `/assets/`, with a content hash that versions their URLs
/// so a browser may cache them for a year and still picks up a new binary's files at once.
public struct WebAssets: Sendable {
    public struct Asset: Sendable {
        public let bytes: [UInt8]
        public let contentType: String
        /// A strong ETag over the bytes.
        public let etag: String
    }

    private let assets: [String: Asset]
    /// A short hash over every asset, appended to asset URLs as `?v=`.
    public let version: String

    public init(files: [String: String] = WebFiles.all) {
        var assets: [String: Asset] = [:]
        var all = SHA256()
        for (path, text) in files.sorted(by: { $0.key < $1.key }) where path.hasPrefix("assets/") {
            let name = String(path.dropFirst("assets/".count))
            let bytes = Array(text.utf8)
            all.update(data: bytes)
            assets[name] = Asset(bytes: bytes, contentType: Self.contentType(name), etag: "\"\(Self.hex(SHA256.hash(data: bytes)).prefix(16))\"")
        }
        self.assets = assets
        self.version = String(Self.hex(all.finalize()).prefix(10))
    }

    public func asset(named name: String) -> Asset? { assets[name] }
    public var names: [String] { assets.keys.sorted() }

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "svg": return "image/svg+xml"
        default: return "application/octet-stream"
        }
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
