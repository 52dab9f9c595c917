import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Conditional, shareable responses for the public read routes.
///
/// Public bodies are built from public data only: the optional viewer is used for event attribution
/// and never reaches a DTO, so one URL has one body for everyone and a shared cache may keep it. The
/// ETag is a hash of the exact bytes, so it changes exactly when the content does.
enum PublicCaching {
    /// Profiles, post pages, meta and templates: fresh for a minute, served stale while revalidating.
    static let readPolicy = "public, max-age=60, stale-while-revalidate=120"
    /// Share cards change only when a reply arrives.
    static let cardPolicy = "public, max-age=300"

    /// A 200 with `body` and its validators, or a 304 when `If-None-Match` already holds the ETag.
    static func response(
        _ body: Data, contentType: String, etag: String, cacheControl: String, request: Request,
        extra: HTTPFields = [:]
    ) -> Response {
        var headers = extra
        headers[.eTag] = etag
        headers[.cacheControl] = cacheControl
        if matches(request.headers[values: .ifNoneMatch], etag: etag) {
            headers[.contentLength] = "0"
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        headers[.contentLength] = String(body.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A public JSON DTO with a strong ETag derived from its bytes.
    static func json<T: Encodable>(_ value: T, request: Request, extra: HTTPFields = [:]) -> Response {
        let body = JSONOutput.body(value)
        return response(body, contentType: "application/json", etag: strongETag(body), cacheControl: readPolicy, request: request, extra: extra)
    }

    /// `"<first 32 hex digits of SHA-256>"`.
    static func strongETag(_ body: Data) -> String {
        let digest = SHA256.hash(data: body)
        return "\"" + digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// RFC 9110 `If-None-Match`: `*`, or any listed tag equal to ours (weak comparison).
    static func matches(_ values: [String], etag: String) -> Bool {
        let ours = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        for value in values {
            for item in value.split(separator: ",") {
                let tag = item.trimmingCharacters(in: .whitespaces)
                if tag == "*" { return true }
                let bare = tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
                if bare == ours { return true }
            }
        }
        return false
    }
}
