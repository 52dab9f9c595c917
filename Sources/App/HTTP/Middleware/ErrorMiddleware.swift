import Domain
import HTTPTypes
import Hummingbird
import Logging

/// The one place where errors become HTTP responses (`{"error": "<message>"}`).
///
/// Domain errors carry their client message; anything unknown is a 500 with a safe message and
/// its details go to the log only.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, logger: context.logger)
        }
    }

    /// Maps any error to its contract response.
    static func response(for error: any Error, logger: Logger) -> Response {
        switch error {
        case let domain as DomainError:
            let status = domain.httpStatus
            if status == .internalServerError {
                var detail = ""
                if case .internalFailure(_, let d) = domain { detail = d }
                logger.error("request_failed", metadata: ["error": .string(domain.message), "detail": .string(detail)])
            }
            return JSONOutput.error(domain.message, status: status)
        case let wrapped as ErrorWithHeaders:
            var response = response(for: wrapped.error, logger: logger)
            for field in wrapped.headers { response.headers[field.name] = field.value }
            return response
        case let limited as RateLimitRejection:
            return JSONOutput.error(limited.limitClass.exceededMessage, status: .tooManyRequests, headers: limited.headers)
        case let http as HTTPError:
            if http.status.code >= 500 {
                logger.error("request_failed", metadata: ["detail": .string(String(describing: http))])
                return JSONOutput.error("internal server error", status: .internalServerError)
            }
            return JSONOutput.error(http.body ?? http.status.reasonPhrase.lowercased(), status: http.status, headers: http.headers)
        default:
            logger.error("request_failed", metadata: ["detail": .string(String(describing: error))])
            return JSONOutput.error("internal server error", status: .internalServerError)
        }
    }
}
