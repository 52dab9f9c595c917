import Hummingbird

/// `HEAD` is answered as `GET` would be, without the body: the same status and headers, `Content-Length`
/// included (RFC 9110 §9.3.2). The router runs the `GET` route for it (`autoGenerateHeadEndpoints`, and the
/// route guard allows `HEAD` wherever `GET` is); this strips what pages and error responses built on the way,
/// so the answer has no body in-process too, not only once the HTTP encoder drops it on the wire.
struct HeadMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        let response = try await next(request, context)
        var headers = response.headers
        if headers[.contentLength] == nil, let length = response.body.contentLength { headers[.contentLength] = String(length) }
        return Response(status: response.status, headers: headers, body: .init())
    }
}
