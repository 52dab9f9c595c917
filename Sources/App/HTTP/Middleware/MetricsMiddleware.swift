import Domain
import HTTPTypes
import Hummingbird
import Logging

/// Records `http_requests_total` / `http_request_duration_seconds` and writes one access-log line per request.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = Monotonic.nanos()
        let response = try await next(request, context)
        let seconds = Double(Monotonic.nanos() - start) / 1e9
        let route = context.outcome.route ?? "unmatched"
        let method = request.method.rawValue.isEmpty ? "UNKNOWN" : request.method.rawValue.uppercased()
        let status = Int(response.status.code)
        metrics.recordRequest(method: method, route: route, status: status, seconds: seconds)
        var metadata: Logger.Metadata = [
            "route": .string(route), "method": .string(method), "status": .stringConvertible(status),
            "latency_ms": .stringConvertible((seconds * 100_000).rounded() / 100),
        ]
        if let user = context.outcome.userID { metadata["user_id"] = .string(user) }
        context.logger.info("http_request", metadata: metadata)
        return response
    }
}
