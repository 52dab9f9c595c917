import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Cross-site request forgery defence for cookie-authenticated requests, in two layers:
/// - a per-session token, an HMAC of the session token under a key derived from `JWT_SECRET` for this
///   purpose alone; pages embed it and send it back in `X-CSRF-Token` (or the `csrf` form field), which
///   another site can neither read nor send without a CORS preflight that is refused;
/// - the browser's own provenance headers: `Sec-Fetch-Site` must be same-origin, and an `Origin` must be
///   one of this site's origins (`SiteOrigins`: scheme, host and port); `Origin: null` is cross-site.
struct CSRFGuard: Sendable {
    static let header = HTTPField.Name("X-CSRF-Token")!
    static let formField = "csrf"
    private let key: SymmetricKey
    let origins: SiteOrigins

    init(secret: String, origins: SiteOrigins) {
        self.origins = origins
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)),
            info: Data("personaworlds csrf v1".utf8), outputByteCount: 32)
    }

    func token(forSession session: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(session.utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether `candidate` is this session's token (compared in constant time).
    func verify(_ candidate: String?, session: String) -> Bool {
        guard let candidate else { return false }
        let expected = Array(token(forSession: session).utf8)
        let given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether the browser says the request comes from this site. Absent headers (non-browser clients)
    /// pass; the token check still applies to them. A present `Origin` must be one of `origins`: `null`
    /// (sent by sandboxed frames and `data:` pages, which anyone can make) is cross-site.
    func sameSite(_ request: Request) -> Bool {
        if let site = request.headers[.secFetchSite]?.lowercased(), site != "same-origin", site != "none" { return false }
        guard let origin = request.headers[.origin] else { return true }
        return origins.contains(origin: origin, host: request.head.authority)
    }
}

extension HTTPField.Name {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
