import Domain
import HTTPTypes
import Hummingbird

/// Applies one rate-limit class before the handler runs (so requests later rejected for validation still
/// consume a token, as in the original), and puts the bucket's `RateLimit-*` headers on every response of
/// the route, errors included.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter
    let limitClass: RateLimitClass

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let decision = await limiter.take(limitClass, userID: context.userID, clientIP: context.clientIP)
        guard decision.allowed else {
            context.logger.warning("rate_limited", metadata: ["endpoint": .string(limitClass.rawValue), "scope": .string(limitClass.scope)])
            throw RateLimitRejection(limitClass: limitClass, headers: decision.httpFields)
        }
        var response: Response
        do { response = try await next(request, context) } catch { response = ErrorMiddleware.response(for: error, logger: context.logger) }
        for field in decision.httpFields { response.headers[field.name] = field.value }
        return response
    }
}
