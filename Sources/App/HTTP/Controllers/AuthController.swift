import Domain
import Hummingbird

/// `/auth/signup` and `/auth/login` (public body cap, no auth; signups are limited per client IP, failed logins are
/// throttled by `LoginThrottle`, successful logins are never limited), and the session routes `/auth/logout` (ends
/// the presented token's session) and `/auth/logout-all` (ends every session of the user).
struct AuthController: Sendable {
    let service: AuthService
    let limits: BodyLimits
    let flow: LoginFlow

    func addRoutes(to routes: RouteGroups) {
        routes.signup.on(.post, "/auth/signup", use: signup)
        routes.open.on(.post, "/auth/login", use: login)
        routes.protected.on(.post, "/auth/logout", use: logout)
        routes.protected.on(.post, "/auth/logout-all", use: logoutAll)
    }

    /// The body is ignored. 204: the token (bearer or session cookie) no longer works anywhere.
    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireUser()
        if let token = AuthMiddleware.presentedToken(request) { try await service.logout(token: token) }
        return Response(status: .noContent)
    }

    /// The body is ignored. Every session of the user ends, the caller's included.
    @Sendable func logoutAll(_ request: Request, context: AppRequestContext) async throws -> JSONResult<LogoutAllDTO> {
        JSONResult(LogoutAllDTO(revoked: try await service.logoutEverywhere(userID: try context.requireUser())))
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> JSONResult<TokenResponse> {
        let body = try await request.decodeStrict(SignupRequest.self, limit: limits.publicRoutes)
        let result = try await service.signup(email: body.email, password: body.password, shareSlug: body.shareSlug)
        return JSONResult(TokenResponse(token: result.token, userID: result.userID), status: .created)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> JSONResult<TokenResponse> {
        let body = try await request.decodeStrict(LoginRequest.self, limit: limits.publicRoutes)
        let result = try await flow.login(email: body.email, password: body.password, clientIP: context.clientIP)
        return JSONResult(TokenResponse(token: result.token, userID: result.userID))
    }
}
