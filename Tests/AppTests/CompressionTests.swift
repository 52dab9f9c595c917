import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import App

/// gzip for text responses: negotiated by `Accept-Encoding`, never for PNG, HEAD or 304, with `Vary` and
/// distinct ETags.
@Suite struct CompressionTests {
    static let gzipHeader: HTTPFields = [.acceptEncoding: "gzip, deflate, br"]

    /// The body decoded by the system's `gzip` (a real decoder, not ours).
    static func gunzip(_ bytes: [UInt8]) async throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("body.gz")
        try Data(bytes).write(to: file)
        guard try await ChildProcess("/bin/gzip", ["-d", file.path]).exitStatus() == 0 else { throw TestFailure("gzip -d failed") }
        return Array(try Data(contentsOf: dir.appendingPathComponent("body")))
    }

    @Test func textIsGzippedOnlyWhenTheClientAsksAndAlwaysVaries() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let plain = try await client.send(.get, "/assets/app.css")
            #expect(plain.status == .ok && plain.header("Content-Encoding") == nil)
            #expect(plain.headers[values: .vary].contains("Accept-Encoding"))
            let identity = Array(plain.body.readableBytesView)

            let gzipped = try await client.send(.get, "/assets/app.css", headers: Self.gzipHeader)
            #expect(gzipped.status == .ok && gzipped.header("Content-Encoding") == "gzip")
            #expect(gzipped.headers[values: .vary].contains("Accept-Encoding"))
            let compressed = Array(gzipped.body.readableBytesView)
            #expect(compressed.count < identity.count / 2, "\(compressed.count) of \(identity.count) bytes")
            #expect(gzipped.header("Content-Length") == String(compressed.count))
            #expect(try await Self.gunzip(compressed) == identity, "decodes to exactly the identity body, compressed once")

            let refused = try await client.send(.get, "/assets/app.css", headers: [.acceptEncoding: "gzip;q=0, *"])
            #expect(refused.header("Content-Encoding") == nil)
            let html = try await client.send(.get, "/", headers: [.acceptEncoding: "gzip", .accept: BrowserSession.htmlAccept])
            #expect(html.header("Content-Encoding") == "gzip" && html.header("Content-Type") == "text/html; charset=utf-8")
            let json = try await client.send(.get, "/templates", headers: Self.gzipHeader)
            #expect(json.header("Content-Type") == "application/json")
            #expect(json.header("Content-Encoding") == (json.body.readableBytes >= ResponseCompression.minBytes ? "gzip" : nil))
        }
    }

    @Test func etagsNameEachFormAndRevalidationStillGetsA304() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let identityTag = try #require(try await client.send(.get, "/assets/app.js").header("ETag"))
            let gzipped = try await client.send(.get, "/assets/app.js", headers: Self.gzipHeader)
            let gzipTag = try #require(gzipped.header("ETag"))
            #expect(gzipTag == String(identityTag.dropLast()) + "-gzip\"")
            var revalidate = Self.gzipHeader
            revalidate[.ifNoneMatch] = gzipTag
            let notModified = try await client.send(.get, "/assets/app.js", headers: revalidate)
            #expect(notModified.status == .notModified && notModified.body.readableBytes == 0)
            #expect(notModified.header("ETag") == gzipTag && notModified.header("Content-Encoding") == nil)
            let identityRevalidation = try await client.send(.get, "/assets/app.js", headers: [.ifNoneMatch: identityTag])
            #expect(identityRevalidation.status == .notModified && identityRevalidation.header("ETag") == identityTag)
        }
    }

    @Test func smallBodiesAndPNGAreSentAsTheyAre() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let small = try await client.send(.get, "/healthz", headers: Self.gzipHeader)
            #expect(small.body.readableBytes < ResponseCompression.minBytes && small.header("Content-Encoding") == nil)
            let owner = try await client.signup()
            let room = try await client.firstRoom(token: owner.token)
            let battle = try #require(try await client.createBattle(token: owner.token, room: room.id)["battle_id"] as? String)
            let card = try await client.send(.get, "/b/\(battle)/card.png", headers: Self.gzipHeader)
            #expect(card.status == .ok && card.header("Content-Type") == "image/png")
            #expect(card.header("Content-Encoding") == nil && !card.headers[values: .vary].contains("Accept-Encoding"))
        }
    }

    @Test func aBodyIsCompressedAtMostOnceAndNeverForHEAD() async throws {
        let text = String(repeating: "PersonaWorlds compresses text once. ", count: 200)
        let router = Router()
        router.add(middleware: ResponseCompressionMiddleware())
        router.add(middleware: ResponseCompressionMiddleware())
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/text", method: method) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
        router.get("/encoded") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain", .contentEncoding: "br"],
                body: .init(byteBuffer: ByteBuffer(bytes: Array(repeating: 7, count: 4096))))
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            let once = try await client.execute(uri: "/text", method: .get, headers: Self.gzipHeader)
            #expect(once.headers[values: .contentEncoding] == ["gzip"])
            #expect(once.headers[values: .vary].filter { $0 == "Accept-Encoding" }.count == 1)
            #expect(try await Self.gunzip(Array(once.body.readableBytesView)) == Array(text.utf8))
            let head = try await client.execute(uri: "/text", method: .head, headers: Self.gzipHeader)
            #expect(head.status == .ok && head.headers[.contentEncoding] == nil)
            #expect(head.headers[.contentLength] == String(text.utf8.count), "HEAD describes the identity body")
            let encoded = try await client.execute(uri: "/encoded", method: .get, headers: Self.gzipHeader)
            #expect(encoded.headers[values: .contentEncoding] == ["br"] && encoded.body.readableBytes == 4096)
        }
    }

    @Test func acceptEncodingIsReadWithItsQualities() {
        #expect(ResponseCompression.acceptsGzip(["gzip"]))
        #expect(ResponseCompression.acceptsGzip(["br;q=1.0, gzip;q=0.8"]))
        #expect(ResponseCompression.acceptsGzip(["*"]))
        #expect(!ResponseCompression.acceptsGzip([]))
        #expect(!ResponseCompression.acceptsGzip(["identity"]))
        #expect(!ResponseCompression.acceptsGzip(["gzip;q=0"]))
        #expect(!ResponseCompression.acceptsGzip(["gzip;q=0, *;q=1"]))
        #expect(!ResponseCompression.acceptsGzip(["br"]))
    }
}
