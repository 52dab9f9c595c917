import HTTPTypes
import Hummingbird

/// Answers unknown paths with Go's plain-text 404 and known paths with a wrong method with 405 + `Allow`
/// before the router sees them. Trailing-slash variants are unknown paths.
struct RouteGuardMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let match = routes.match(path: request.uri.path, method: request.method) else {
            return Self.notFound()
        }
        guard match.pattern != nil else {
            var headers = HTTPFields()
            for method in match.allowed { headers.append(HTTPField(name: .allow, value: method.rawValue)) }
            headers[.contentLength] = "0"
            return Response(status: .methodNotAllowed, headers: headers)
        }
        context.outcome.route = match.pattern
        return try await next(request, context)
    }

    static func notFound() -> Response {
        let body = "404 page not found\n"
        return Response(
            status: .notFound,
            headers: [.contentType: "text/plain; charset=utf-8", .contentLength: String(body.utf8.count)],
            body: .init(byteBuffer: .init(string: body)))
    }
}
