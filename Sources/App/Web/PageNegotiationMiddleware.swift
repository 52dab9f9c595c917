import HTTPTypes
import Hummingbird
import Web

/// `/p/{slug}` and `/b/{id}` are both an API route and a page. A GET whose `Accept` prefers `text/html` (a
/// browser's navigation) is answered with the page; every other request continues to the API route and gets
/// exactly the contract's JSON. Both answers carry `Vary: Accept`, so caches keep them apart.
struct PageNegotiationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: PublicPagesController
    let session: PageSessionMiddleware
    let errors: PageErrorMiddleware
    /// Pages share the `public_read` bucket with the JSON they stand in for.
    let limit: RateLimitMiddleware

    enum Target { case profile(slug: String), battle(id: String) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, let target = Self.target(request.uri.path) else {
            return try await next(request, context)
        }
        var response: Response
        if AcceptHeader.prefersHTML(request.headers[.accept]) {
            var context = context
            switch target {
            case .profile(let slug):
                context.coreContext.parameters[Substring("slug")] = Substring(slug)
                context.outcome.route = "/p/{slug}"
            case .battle(let id):
                context.coreContext.parameters[Substring("id")] = Substring(id)
                context.outcome.route = "/b/{id}"
            }
            // The limiter answers errors raised under it itself, so page errors are rendered inside it and
            // its own 429 outside it.
            response = try await session.handle(request, context: context) { request, context in
                try await errors.handle(request, context: context) { request, context in
                    try await limit.handle(request, context: context) { request, context in
                        try await errors.handle(request, context: context) { request, context in
                            switch target {
                            case .profile: try await pages.profile(request, context: context)
                            case .battle: try await pages.battle(request, context: context)
                            }
                        }
                    }
                }
            }
        } else {
            // Errors are answered here rather than by the outer error middleware so they carry `Vary` too.
            do { response = try await next(request, context) } catch { response = ErrorMiddleware.response(for: error, logger: context.logger) }
        }
        response.headers.append(HTTPField(name: .vary, value: "Accept"))
        return response
    }

    /// `/p/{slug}`, `/p/{slug}/` and `/b/{id}` (raw segments; handlers decode them as the API does).
    static func target(_ path: String) -> Target? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard let first = parts.first, parts.count >= 2 else { return nil }
        let second = String(parts[parts.startIndex + 1])
        guard !second.isEmpty else { return nil }
        switch (first, parts.count) {
        case ("p", 2): return .profile(slug: second)
        case ("p", 3) where parts.last == "": return .profile(slug: second)
        case ("b", 2): return .battle(id: second)
        default: return nil
        }
    }
}
