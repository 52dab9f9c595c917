import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// gzip for text responses (HTML, CSS, JavaScript, JSON, SVG) when the client sends `Accept-Encoding: gzip`.
///
/// - Only bodies whose length is known, between `minBytes` (below it gzip's framing outweighs the saving)
///   and `maxBytes` (bounded memory and CPU per request), of a text type, not already encoded; never PNG.
///   Streamed bodies of unknown length (event streams) pass as they are.
/// - `HEAD`, `304` and other bodiless answers are not compressed.
/// - Every response of a compressible type gets `Vary: Accept-Encoding`, compressed or not, so caches keep
///   the two forms apart.
/// - The gzip form is a different representation, so its strong `ETag` gets a `-gzip` suffix; a client
///   revalidating with that tag has it stripped before the handler compares (so it still gets its `304`),
///   and the `304` carries the suffixed tag back.
struct ResponseCompressionMiddleware<Context: RequestContext>: RouterMiddleware {
    typealias Rules = ResponseCompression

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let acceptsGzip = Rules.acceptsGzip(request.headers[values: .acceptEncoding])
        var forwarded = request
        var revalidatingGzip = false
        if acceptsGzip, let stripped = Rules.strippingSuffix(request.headers[values: .ifNoneMatch]) {
            var head = request.head
            head.headerFields[values: .ifNoneMatch] = stripped
            forwarded = Request(head: head, body: request.body)
            revalidatingGzip = true
        }
        var response = try await next(forwarded, context)
        if response.status == .notModified {
            // The client holds the gzip form if it revalidated with its tag; the 304 names that form again.
            if revalidatingGzip, let etag = response.headers[.eTag] { response.headers[.eTag] = Rules.suffixed(etag) }
            if revalidatingGzip || Rules.isCompressible(response.headers[.contentType]) { Rules.addVary(&response.headers) }
            return response
        }
        guard Rules.isCompressible(response.headers[.contentType]) else { return response }
        Rules.addVary(&response.headers)
        guard acceptsGzip else { return response }
        guard request.method != .head, (200..<300).contains(response.status.code), response.status != .noContent,
            response.headers[.contentEncoding] == nil, let length = response.body.contentLength,
            length >= Rules.minBytes, length <= Rules.maxBytes
        else { return response }
        let identity = try await Rules.collect(response.body, expected: length)
        guard let gzipped = Gzip.compress(identity), gzipped.count < identity.count else {
            response.body = ResponseBody(byteBuffer: ByteBuffer(bytes: identity))
            return response
        }
        response.headers[.contentEncoding] = "gzip"
        if let etag = response.headers[.eTag] { response.headers[.eTag] = Rules.suffixed(etag) }
        response.body = ResponseBody(byteBuffer: ByteBuffer(bytes: gzipped))
        return response
    }
}

/// The rules `ResponseCompressionMiddleware` applies.
enum ResponseCompression {
    static let minBytes = 1024
    static let maxBytes = 4 << 20
    static let etagSuffix = "-gzip"
    static let compressibleTypes = [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml",
        "text/plain",
    ]

    /// Whether `Accept-Encoding` accepts gzip: listed with a non-zero quality, or not listed and `*` is
    /// (an explicit `gzip;q=0` refuses it whatever `*` says).
    static func acceptsGzip(_ values: [String]) -> Bool {
        var gzip: Double?
        var any: Double?
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let coding = parts.first else { continue }
                let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                if coding == "gzip" || coding == "x-gzip" { gzip = max(gzip ?? 0, quality) }
                if coding == "*" { any = quality }
            }
        }
        return (gzip ?? any ?? 0) > 0
    }

    static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return compressibleTypes.contains(type)
    }

    /// Adds `Vary: Accept-Encoding` unless the response already varies on it.
    static func addVary(_ headers: inout HTTPFields) {
        let varies = headers[values: .vary].contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "accept-encoding" }
        }
        if !varies { headers.append(HTTPField(name: .vary, value: "Accept-Encoding")) }
    }

    /// `"abc"` → `"abc-gzip"` (and `W/"abc"` → `W/"abc-gzip"`).
    static func suffixed(_ etag: String) -> String {
        guard etag.hasSuffix("\""), !etag.hasSuffix("\(etagSuffix)\"") else { return etag }
        return String(etag.dropLast()) + etagSuffix + "\""
    }

    /// The `If-None-Match` values with `-gzip` removed from each tag, or nil when no tag had it.
    static func strippingSuffix(_ values: [String]) -> [String]? {
        var changed = false
        let stripped = values.map { value in
            value.split(separator: ",").map { tag -> String in
                let trimmed = tag.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasSuffix("\(etagSuffix)\"") else { return trimmed }
                changed = true
                return String(trimmed.dropLast(etagSuffix.count + 1)) + "\""
            }.joined(separator: ", ")
        }
        return changed ? stripped : nil
    }

    /// The bytes of a body of known length (at most `maxBytes`).
    static func collect(_ body: ResponseBody, expected: Int) async throws -> [UInt8] {
        let sink = BodySink(capacity: expected)
        try await body.write(sink)
        return sink.box.bytes
    }

    /// Gathers what a body writes; the box outlives the consumed writer.
    private struct BodySink: ResponseBodyWriter {
        final class Box { var bytes: [UInt8] = [] }
        let box = Box()

        init(capacity: Int) { box.bytes.reserveCapacity(capacity) }

        mutating func write(_ buffer: ByteBuffer) async throws {
            guard box.bytes.count + buffer.readableBytes <= ResponseCompression.maxBytes else {
                throw CancellationError()
            }
            box.bytes.append(contentsOf: buffer.readableBytesView)
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
