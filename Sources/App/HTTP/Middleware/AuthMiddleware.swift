import Domain
import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <jwt>` of an existing user (HS256, `exp` required), or, for the
/// web pages' script, the session cookie with its CSRF token on writes (`BrowserSessions.apiUser`).
/// A request with neither gets exactly the contract's `401 missing auth header`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let auth: AuthService
    let sessions: BrowserSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], !header.isEmpty {
            guard let token = Self.bearerToken(header) else { throw DomainError.unauthorized("invalid auth header") }
            context.userID = try await auth.authenticate(token: token)
        } else if let user = try await sessions.apiUser(request) {
            context.userID = user
        } else {
            throw DomainError.unauthorized("missing auth header")
        }
        return try await next(request, context)
    }

    /// The bearer token of the request, else its session cookie.
    static func presentedToken(_ request: Request) -> String? {
        if let header = request.headers[.authorization], let token = bearerToken(header) { return token }
        return SessionCookie.token(in: request)
    }

    /// Splits on the first space; the scheme must be `Bearer` (any case) and the token non-empty.
    static func bearerToken(_ header: String) -> String? {
        guard let space = header.firstIndex(of: " ") else { return nil }
        let scheme = header[..<space]
        let token = header[header.index(after: space)...]
        // Character comparisons: Foundation's substring search and `lowercased()` showed in the profile of every request.
        guard scheme.count == 6, scheme.utf8.elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }), !token.isEmpty,
            !token.utf8.contains(UInt8(ascii: " "))
        else { return nil }
        return String(token)
    }
}
