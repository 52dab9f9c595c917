import Foundation
import HTTPTypes
import Hummingbird

/// go-chi/cors-compatible CORS handling: preflights end here with 200; actual
/// requests get `Vary: Origin` and, for allowed origins, the allow-origin header, plus the credentials
/// header only for origins the operator listed (`CORSPolicy`).
struct CORSMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let policy: CORSPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin]
        if request.method == .options, let requested = request.headers[.accessControlRequestMethod] {
            return preflight(origin: origin, requestedMethod: requested, requestedHeaders: request.headers[.accessControlRequestHeaders])
        }
        var response = try await next(request, context)
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        if let origin, policy.allows(origin: origin), CORSPolicy.methods.contains(request.method.rawValue.uppercased()) {
            response.headers[.accessControlAllowOrigin] = policy.allowAll ? "*" : origin
            if policy.credentials { response.headers[.accessControlAllowCredentials] = "true" }
        }
        return response
    }

    private func preflight(origin: String?, requestedMethod: String, requestedHeaders: String?) -> Response {
        var headers = HTTPFields()
        headers.append(HTTPField(name: .vary, value: "Origin"))
        headers.append(HTTPField(name: .vary, value: "Access-Control-Request-Method"))
        headers.append(HTTPField(name: .vary, value: "Access-Control-Request-Headers"))
        let method = requestedMethod.uppercased()
        let wanted = (requestedHeaders ?? "").split(separator: ",").map { CORSPolicy.canonical(String($0).trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.isEmpty }
        if let origin, policy.allows(origin: origin), CORSPolicy.methods.contains(method),
            wanted.allSatisfy({ CORSPolicy.headers.contains($0) })
        {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowMethods] = method
            if !wanted.isEmpty { headers[.accessControlAllowHeaders] = wanted.joined(separator: ", ") }
            if policy.credentials { headers[.accessControlAllowCredentials] = "true" }
            headers[.accessControlMaxAge] = "300"
        }
        headers[.contentLength] = "0"
        return Response(status: .ok, headers: headers)
    }
}

/// The allowed origins, with `*` and single-wildcard entries, and whether they get credentials.
///
/// Rule: credentials (the session cookie) are allowed only for origins the operator listed in
/// `CORS_ALLOWED_ORIGINS`. The derived defaults (`FRONTEND_ORIGIN`, and outside production the development
/// frontend on `localhost:3000`) may read responses but never with the user's cookie, so a local app on
/// :3000 cannot read a signed-in user's data from an install on :8080. `*` never gets credentials: it would
/// let every site read as the user (browsers refuse `*` with credentials anyway).
struct CORSPolicy: Sendable {
    static let methods: Set<String> = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
    static let headers: Set<String> = ["Accept", "Authorization", "Content-Type", "Origin"]

    let exact: Set<String>
    let wildcards: [(prefix: String, suffix: String)]
    let allowAll: Bool
    /// Whether allowed origins get `Access-Control-Allow-Credentials: true`.
    let credentials: Bool

    /// The configured policy: `CORS_ALLOWED_ORIGINS` with credentials, else the derived defaults without.
    init(config: AppConfig) {
        self.init(origins: config.effectiveCORSOrigins, credentials: !config.corsAllowedOrigins.isEmpty)
    }

    init(origins: [String], credentials: Bool) {
        let lowered = origins.map { $0.lowercased() }
        allowAll = lowered.contains("*")
        self.credentials = credentials && !allowAll
        exact = Set(lowered.filter { !$0.contains("*") })
        wildcards = lowered.filter { $0 != "*" && $0.contains("*") }.compactMap { entry in
            guard let star = entry.firstIndex(of: "*") else { return nil }
            return (String(entry[..<star]), String(entry[entry.index(after: star)...]))
        }
    }

    func allows(origin: String) -> Bool {
        if allowAll { return true }
        let o = origin.lowercased()
        if exact.contains(o) { return true }
        return wildcards.contains { o.count >= $0.prefix.count + $0.suffix.count && o.hasPrefix($0.prefix) && o.hasSuffix($0.suffix) }
    }

    /// `content-type` → `Content-Type`.
    static func canonical(_ name: String) -> String {
        name.split(separator: "-", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined(
            separator: "-")
    }
}
