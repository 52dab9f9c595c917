import Domain
import Hummingbird

/// `/auth/signup` and `/auth/login`; public body cap, no auth. Signups are limited per client IP (`signup`
/// class, per hour); failed logins are throttled by `LoginThrottle`; successful logins are never limited.
struct AuthController: Sendable {
    let service: AuthService
    let limits: BodyLimits
    let flow: LoginFlow

    func addRoutes(to routes: RouteGroups) {
        routes.signup.on(.post, "/auth/signup", use: signup)
        routes.open.on(.post, "/auth/login", use: login)
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
