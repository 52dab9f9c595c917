import Hummingbird

/// Optional authentication for public routes: a valid bearer token identifies the caller
/// (`context.userID`), and so does a browser session cookie (with its CSRF token on writes); anything
/// else leaves the request anonymous and is never an error. A forged cross-site write therefore acts
/// as an anonymous visitor, never as the user.
struct OptionalAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let auth: AuthService
    let sessions: BrowserSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            context.userID = await auth.optionalUser(authorization: header)
        } else if SessionCookie.token(in: request) != nil {
            context.userID = (try? await sessions.apiUser(request)) ?? nil
        } else {
            return try await next(request, context)
        }
        return try await next(request, context)
    }
}
