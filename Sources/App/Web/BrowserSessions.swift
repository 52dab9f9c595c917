import Domain
import HTTPTypes
import Hummingbird

/// Who a browser request belongs to, from its session cookie; used by the pages and, as an alternative to
/// a bearer header, by the API routes the pages' script calls.
struct BrowserSessions: Sendable {
    let auth: AuthService
    let csrf: CSRFGuard
    let cookie: SessionCookie

    /// The user of a valid session cookie, or nil (no cookie, expired or forged token, deleted user).
    func user(_ request: Request) async -> (userID: String, token: String)? {
        guard let token = SessionCookie.token(in: request), let user = try? await auth.authenticate(token: token) else { return nil }
        return (user, token)
    }

    /// The API's cookie authentication: nil without a cookie; the cookie's user for GET and HEAD; for any
    /// other method only with this session's CSRF token and a same-site request, else
    /// `403 invalid csrf token`. An invalid or expired cookie is `401 invalid token`.
    func apiUser(_ request: Request) async throws -> String? {
        guard let token = SessionCookie.token(in: request) else { return nil }
        let user = try await auth.authenticate(token: token)
        if request.method != .get, request.method != .head {
            guard csrf.verify(request.headers[CSRFGuard.header], session: token), csrf.sameSite(request) else {
                throw DomainError.forbidden("invalid csrf token")
            }
        }
        return user
    }
}
