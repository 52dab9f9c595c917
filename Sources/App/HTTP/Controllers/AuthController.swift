import Domain
import Hummingbird

/// `/auth/signup` and `/auth/login`; public body cap, no auth. Failed logins are throttled per account
/// and, ten times looser, per client IP; successful logins are never limited.
struct AuthController: Sendable {
    let service: AuthService
    let limits: BodyLimits
    let limiter: RateLimiter

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.post, "/auth/signup", use: signup)
        routes.on(.post, "/auth/login", use: login)
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> JSONResult<TokenResponse> {
        let body = try await request.decodeStrict(SignupRequest.self, limit: limits.publicRoutes)
        let result = try await service.signup(email: body.email, password: body.password, shareSlug: body.shareSlug)
        return JSONResult(TokenResponse(token: result.token, userID: result.userID), status: .created)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> JSONResult<TokenResponse> {
        let body = try await request.decodeStrict(LoginRequest.self, limit: limits.publicRoutes)
        let throttle = limiter.login
        if let denied = await throttle.check(account: body.email, ip: context.clientIP, now: limiter.now()) {
            limiter.loginDenied(denied)
            throw RateLimitRejection(limitClass: .loginAccount, headers: denied.httpFields)
        }
        let reserved = await throttle.reserve(account: body.email, now: limiter.now())
        guard reserved.allowed else {
            limiter.loginDenied(reserved)
            throw RateLimitRejection(limitClass: .loginAccount, headers: reserved.httpFields)
        }
        do {
            let result = try await service.login(email: body.email, password: body.password)
            await throttle.recordSuccess(account: body.email)
            return JSONResult(TokenResponse(token: result.token, userID: result.userID))
        } catch DomainError.unauthorized(let message) {
            let decision = await throttle.recordFailure(reserved: reserved, ip: context.clientIP, now: limiter.now())
            throw ErrorWithHeaders(error: DomainError.unauthorized(message), headers: decision.httpFields)
        }
    }
}
