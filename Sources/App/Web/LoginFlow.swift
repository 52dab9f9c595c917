import Domain
import Hummingbird

/// Login with the failed-attempt throttle (`LoginThrottle`), shared by `POST /auth/login` and the login page so
/// both enforce the same limits.
struct LoginFlow: Sendable {
    let service: AuthService
    let limiter: RateLimiter

    func login(email: String, password: String, clientIP: String) async throws -> (token: String, userID: String) {
        let throttle = limiter.login
        let attempt: LoginThrottle.Attempt
        switch await throttle.begin(account: email, ip: clientIP, now: limiter.now()) {
        case .proceed(let admitted): attempt = admitted
        case .denied(let denied, let stage):
            limiter.loginDenied(by: stage)
            throw RateLimitRejection(limitClass: stage, headers: denied.httpFields)
        }
        do {
            let result = try await service.login(email: email, password: password)
            await throttle.succeeded(attempt)
            return result
        } catch DomainError.unauthorized(let message) {
            let decision = await throttle.failed(attempt, now: limiter.now())
            throw ErrorWithHeaders(error: DomainError.unauthorized(message), headers: decision.httpFields)
        }
    }
}
