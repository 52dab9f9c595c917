import Hummingbird

/// Optional authentication for public routes: a valid bearer token identifies the caller
/// (`context.userID`), anything else leaves the request anonymous and is never an error.
struct OptionalAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let auth: AuthService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        var context = context
        context.userID = await auth.optionalUser(authorization: header)
        return try await next(request, context)
    }
}
