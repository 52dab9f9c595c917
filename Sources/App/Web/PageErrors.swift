import Domain
import HTTPTypes
import Hummingbird
import Logging
import Web

/// Errors on page routes become pages, with the same status and message choice as the API
/// (`DomainError+HTTP`): a missing or expired session returns to the login page, and everything else is
/// an error page that says in words what happened.
enum PageErrors {
    struct ErrorPage: PageView {
        static let template = "error"
        let layout: Layout
        let heading: String
        let message: String
        let status: Int
        let signIn: Bool
    }

    static func response(for error: any Error, request: Request, context: AppRequestContext, kit: PageKit) async -> Response {
        var status = HTTPResponse.Status.internalServerError
        var message = "Something went wrong on our side. Try again in a moment."
        var headers = HTTPFields()
        switch error {
        case let domain as DomainError:
            if case .unauthorized = domain { return loginRedirect(request) }
            status = domain.httpStatus
            if status == .internalServerError {
                log(domain, context: context)
            } else {
                message = sentence(domain.message)
            }
        case let limited as RateLimitRejection:
            status = .tooManyRequests
            message = sentence(limited)
            headers = limited.headers
        case let wrapped as ErrorWithHeaders:
            var response = await self.response(for: wrapped.error, request: request, context: context, kit: kit)
            for field in wrapped.headers { response.headers[field.name] = field.value }
            return response
        default:
            context.logger.error("page_failed", metadata: ["detail": .string(String(describing: error))])
        }
        return await page(status: status, message: message, context: context, kit: kit, headers: headers)
    }

    /// An error page; `layout` falls back to the anonymous one if the account cannot be read.
    static func page(
        status: HTTPResponse.Status, message: String, context: AppRequestContext, kit: PageKit,
        headers: HTTPFields = [:]
    ) async -> Response {
        let heading =
            switch status.code {
            case 404: "Not found"
            case 403: "Not allowed"
            case 429: "Too many requests"
            case 400..<500: "That did not work"
            default: "Something went wrong"
            }
        var anonymous = context
        anonymous.userID = nil
        let layout: Layout
        if let full = try? await kit.layout(heading, context: context) {
            layout = full
        } else {
            layout =
                (try? await kit.layout(heading, context: anonymous))
                ?? Layout(
                    title: heading, description: PageKit.tagline,
                    assetVersion: kit.assets.version, user: nil, nav: .on(nil), openGraph: nil)
        }
        let view = ErrorPage(layout: layout, heading: heading, message: message, status: Int(status.code), signIn: layout.user == nil)
        var response = HTMLPage.response(kit.renderer.render(view, template: ErrorPage.template), status: status)
        for field in headers { response.headers[field.name] = field.value }
        return response
    }

    /// `303` to `/login?next=<this page>` (only a GET's own path is worth returning to).
    static func loginRedirect(_ request: Request) -> Response {
        var next = request.uri.path
        if let query = request.uri.query, !query.isEmpty { next += "?" + query }
        let target = request.method == .get ? "/login?next=\(FormBody.encode(ReturnPath.safe(next)))" : "/login"
        return HTMLPage.redirect(to: target)
    }

    /// `"persona not found"` → `"Persona not found."`
    static func sentence(_ message: String) -> String {
        guard let first = message.first else { return message }
        let capital = first.uppercased() + message.dropFirst()
        return capital.hasSuffix(".") ? capital : capital + "."
    }

    /// A rate-limit refusal in words: the class's message and how long to wait, from its `Retry-After`
    /// (the signup limit is hourly, so "a minute" is not always true).
    static func sentence(_ limited: RateLimitRejection) -> String {
        let message = sentence(limited.limitClass.exceededMessage)
        guard let text = limited.headers[.retryAfter], let seconds = Int(text), seconds > 0 else {
            return message + " Wait a minute and try again."
        }
        if seconds < 60 { return message + " Wait \(seconds) second\(seconds == 1 ? "" : "s") and try again." }
        let minutes = (seconds + 59) / 60
        return message + " Wait \(minutes) minute\(minutes == 1 ? "" : "s") and try again."
    }

    private static func log(_ error: DomainError, context: AppRequestContext) {
        var detail = ""
        if case .internalFailure(_, let d) = error { detail = d }
        context.logger.error("page_failed", metadata: ["error": .string(error.message), "detail": .string(detail)])
    }
}

/// Renders errors of the routes behind it as pages (`PageErrors`).
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let kit: PageKit

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return await PageErrors.response(for: error, request: request, context: context, kit: kit)
        }
    }
}

/// Identifies the page request's user from the session cookie; a stale cookie is cleared and the request
/// continues anonymously (pages that need a login then redirect to it).
struct PageSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: BrowserSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        guard SessionCookie.token(in: request) != nil else { return try await next(request, context) }
        if let session = await sessions.user(request) {
            context.userID = session.userID
            context.sessionToken = session.token
            return try await next(request, context)
        }
        var response = try await next(request, context)
        if response.headers[.setCookie] == nil { response.headers[.setCookie] = sessions.cookie.clear() }
        return response
    }
}
