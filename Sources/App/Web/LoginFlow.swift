import Domain
import Hummingbird

/// Login with the failed-attempt throttle (per account, and ten times looser per client IP), shared by
/// `POST /auth/login` and the login page so both enforce the same limit.
struct LoginFlow: Sendable {
    let service: AuthService
    let limiter: RateLimiter

    func login(email: String, password: String, clientIP: String) async throws -> (token: String, userID: String) {
        let throttle = limiter.login
        if let denied = await throttle.check(account: email, ip: clientIP, now: limiter.now()) {
            limiter.loginDenied(denied)
            throw RateLimitRejection(limitClass: .loginAccount, headers: denied.httpFields)
        }
        let reserved = await throttle.reserve(account: email, now: limiter.now())
        guard reserved.allowed else {
            limiter.loginDenied(reserved)
            throw RateLimitRejection(limitClass: .loginAccount, headers: reserved.httpFields)
        }
        do {
            let result = try await service.login(email: email, password: password)
            await throttle.recordSuccess(account: email)
            return result
        } catch DomainError.unauthorized(let message) {
            let decision = await throttle.recordFailure(reserved: reserved, ip: clientIP, now: limiter.now())
            throw ErrorWithHeaders(error: DomainError.unauthorized(message), headers: decision.httpFields)
        }
    }
}
