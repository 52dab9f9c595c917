import Hummingbird

/// In production, answers a request whose `Host` is not on the allow-list (`HostAllowList`) with
/// `421 {"error":"unknown host"}` before any route runs.
struct HostGuardMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let message = "unknown host"
    let hosts: HostAllowList

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard hosts.allows(request.head.authority) else {
            throw HTTPError(.misdirectedRequest, message: Self.message)
        }
        return try await next(request, context)
    }
}
