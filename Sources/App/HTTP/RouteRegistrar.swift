import HTTPTypes
import Hummingbird

/// Registers a handler with the router and records its pattern in the route table in one step,
/// so 404/405 answers and metric labels always agree with what is routable.
struct RouteRegistrar: Sendable {
    let group: RouterGroup<AppRequestContext>
    let table: RouteTable

    /// Adds `method path` (path uses `{param}` segments); `source` records the calling controller's file for the route
    /// index.
    func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, source: String = #fileID,
        use handler: @Sendable @escaping (Request, AppRequestContext) async throws -> Output
    ) {
        table.add(method, path, source: source)
        let routerPath = RouterPath(stringLiteral: path)
        let responder: CallbackResponder<AppRequestContext> = CallbackResponder { request, context in
            try await handler(request, context).response(from: request, context: context)
        }
        group.on(routerPath, method: method, responder: responder)
    }

    /// Records a spelling the router already serves through another pattern (the router ignores a trailing
    /// slash), so the route guard lets it through instead of answering 404.
    func alias(_ method: HTTPRequest.Method, _ path: String, source: String = #fileID) {
        table.add(method, path, source: source)
    }

    /// A registrar whose routes also run `middleware`.
    func with(_ middleware: any MiddlewareProtocol<Request, Response, AppRequestContext>) -> RouteRegistrar {
        RouteRegistrar(group: group.group().add(middleware: middleware), table: table)
    }
}
