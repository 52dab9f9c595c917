import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// How every page response is built: HTML with the pages' Content-Security-Policy (scripts and styles from
/// this origin only, no inline code), `Referrer-Policy: same-origin` (so the browser sends `Origin` on
/// same-site writes) and a cache policy.
enum HTMLPage {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    enum Caching: Sendable {
        /// Signed-in pages: never stored.
        case noStore
        /// Anonymous views of public pages: a minute in any cache; they differ by `Accept` and by cookie.
        case publicShort
    }

    static func response(
        _ html: String, status: HTTPResponse.Status = .ok, caching: Caching = .noStore,
        headers extra: HTTPFields = [:]
    ) -> Response {
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.referrerPolicy] = "same-origin"
        switch caching {
        case .noStore: headers[.cacheControl] = "no-store"
        case .publicShort:
            headers[.cacheControl] = "public, max-age=60"
            headers.append(HTTPField(name: .vary, value: "Cookie"))
        }
        let bytes = ByteBuffer(string: html)
        headers[.contentLength] = String(bytes.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: bytes))
    }

    /// `303 See Other` to a path on this site (after a form post, or to the login page).
    static func redirect(to location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        headers[.contentLength] = "0"
        return Response(status: .seeOther, headers: headers)
    }
}
