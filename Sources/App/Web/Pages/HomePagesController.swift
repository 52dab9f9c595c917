import Domain
import HTTPTypes
import Hummingbird
import Web

/// `/`, `/signup`, `/login` and `/logout`: the front page and the session forms. These are plain HTML
/// form posts, so signing in works without JavaScript; they accept only same-site posts.
struct HomePagesController: Sendable {
    let kit: PageKit
    let auth: AuthService
    let flow: LoginFlow
    /// The `signup` class is applied inside the form handler, so a refusal re-renders the form with its message.
    let limiter: RateLimiter
    let cookie: SessionCookie
    let limits: BodyLimits

    struct HomePage: PageView {
        static let template = "home"
        let layout: Layout
    }

    struct AuthPage: PageView {
        static let template = "auth"
        let layout: Layout
        let isSignup: Bool
        let next: String
        let shareSlug: String
        let email: String
        let error: String?
        let followNote: Bool
        let otherLink: String
    }

    struct AccountPage: PageView {
        static let template = "account"
        let layout: Layout
        let email: String
        let isAdmin: Bool
    }

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/account", use: account)
        routes.on(.post, "/logout/everywhere", use: logoutEverywhere)
        routes.on(.get, "/", use: home)
        routes.on(.get, "/signup", use: signupForm)
        routes.on(.post, "/signup", use: signup)
        routes.on(.get, "/login", use: loginForm)
        routes.on(.post, "/login", use: login)
        routes.on(.post, "/logout", use: logout)
    }

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        kit.render(HomePage(layout: try await kit.layout("PersonaWorlds", context: context)))
    }

    @Sendable func signupForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        return try await form(
            signup: true, context: context, next: query.get("next"), shareSlug: query.get("share_slug") ?? "",
            email: "", error: nil, follow: query.get("reason") == "follow")
    }

    @Sendable func loginForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await form(
            signup: false, context: context, next: request.uri.queryParameters.get("next"), shareSlug: "", email: "",
            error: nil, follow: false)
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let fields = try await formFields(request)
        let email = fields["email"] ?? ""
        let limit = await limiter.take(.signup, userID: nil, clientIP: context.clientIP)
        var response: Response
        do {
            guard limit.allowed else { throw RateLimitRejection(limitClass: .signup, headers: limit.httpFields) }
            let result = try await auth.signup(email: email, password: fields["password"] ?? "", shareSlug: fields["share_slug"] ?? "")
            response = HTMLPage.redirect(to: ReturnPath.safe(fields["next"]), headers: [.setCookie: cookie.set(result.token)])
        } catch {
            response = try await failed(error, signup: true, fields: fields, context: context)
        }
        for field in limit.httpFields { response.headers[field.name] = field.value }
        return response
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let fields = try await formFields(request)
        do {
            let result = try await flow.login(email: fields["email"] ?? "", password: fields["password"] ?? "", clientIP: context.clientIP)
            return HTMLPage.redirect(to: ReturnPath.safe(fields["next"]), headers: [.setCookie: cookie.set(result.token)])
        } catch {
            return try await failed(error, signup: false, fields: fields, context: context)
        }
    }

    /// Ends this browser's session on the server (its token stops working everywhere at once) and clears the cookie.
    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let fields = try await formFields(request)
        if let session = context.sessionToken {
            guard kit.csrf.verify(fields[CSRFGuard.formField], session: session) else { throw DomainError.forbidden("invalid csrf token") }
            try await auth.logout(token: session)
        }
        return HTMLPage.redirect(to: "/", headers: [.setCookie: cookie.clear()])
    }

    /// The signed-in user's account: email, role and "Log out everywhere".
    @Sendable func account(_ request: Request, context: AppRequestContext) async throws -> Response {
        let layout = try await kit.layout("Your account", context: context, nav: .account)
        guard let user = layout.user else { throw DomainError.unauthorized("missing user") }
        return kit.render(AccountPage(layout: layout, email: user.email, isAdmin: user.isAdmin))
    }

    /// Ends every session of the user, this one included, and sends the browser to the login form.
    @Sendable func logoutEverywhere(_ request: Request, context: AppRequestContext) async throws -> Response {
        let fields = try await formFields(request)
        let user = try context.requireUser()
        guard let session = context.sessionToken, kit.csrf.verify(fields[CSRFGuard.formField], session: session) else {
            throw DomainError.forbidden("invalid csrf token")
        }
        _ = try await auth.logoutEverywhere(userID: user)
        return HTMLPage.redirect(to: "/login", headers: [.setCookie: cookie.clear()])
    }

    /// The form's fields, after the same-site check (a login form posted from another site is refused).
    private func formFields(_ request: Request) async throws -> [String: String] {
        guard kit.csrf.sameSite(request) else { throw DomainError.forbidden("invalid csrf token") }
        return FormBody.parse(try await request.collectBody(limit: limits.publicRoutes))
    }

    /// The form again, with the API's message for what went wrong and the status it would have answered.
    private func failed(_ error: any Error, signup: Bool, fields: [String: String], context: AppRequestContext) async throws -> Response {
        let (status, message, headers) = Self.describe(error)
        var response = try await form(
            signup: signup, context: context, next: fields["next"], shareSlug: fields["share_slug"] ?? "",
            email: fields["email"] ?? "", error: message, follow: false, status: status)
        for field in headers { response.headers[field.name] = field.value }
        return response
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, String, HTTPFields) {
        switch error {
        case let domain as DomainError where domain.httpStatus != .internalServerError:
            return (domain.httpStatus, PageErrors.sentence(domain.message), [:])
        case let wrapped as ErrorWithHeaders:
            let (status, message, _) = describe(wrapped.error)
            return (status, message, wrapped.headers)
        case let limited as RateLimitRejection:
            return (.tooManyRequests, PageErrors.sentence(limited), limited.headers)
        default:
            return (.internalServerError, "Something went wrong on our side. Try again in a moment.", [:])
        }
    }

    private func form(
        signup: Bool, context: AppRequestContext, next: String?, shareSlug: String, email: String, error: String?,
        follow: Bool, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let title = signup ? "Sign up" : "Log in"
        let safeNext = ReturnPath.safe(next)
        let other = (signup ? "/login" : "/signup") + "?next=" + FormBody.encode(safeNext)
        let page = AuthPage(
            layout: try await kit.layout(title, context: context), isSignup: signup, next: safeNext,
            shareSlug: Slug.normalize(shareSlug), email: email, error: error, followNote: follow, otherLink: other)
        return kit.render(page, status: status)
    }
}
