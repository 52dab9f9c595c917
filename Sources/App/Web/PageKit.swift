import Domain
import Hummingbird
import Storage
import Web

/// What page controllers share: the renderer, the layout (navigation, CSRF token, asset version), the
/// few account facts the navigation shows, and the checks every form post passes (`PageForms`).
struct PageKit: Sendable {
    let renderer: PageRenderer
    let assets: WebAssets
    let auth: AuthService
    let csrf: CSRFGuard
    let shareBase: String
    let forms: PageForms

    /// The layout for the request's user (anonymous when there is no session).
    func layout(
        _ title: String, context: AppRequestContext, nav: NavItem? = nil, description: String = Self.tagline,
        openGraph: OpenGraph? = nil
    ) async throws -> Layout {
        var user: NavUser?
        if let userID = context.userID, let session = context.sessionToken {
            if let summary = try await auth.accountSummary(userID: userID) {
                user = NavUser(
                    email: summary.email, isAdmin: summary.isAdmin, unread: summary.unread,
                    hasUnread: summary.unread > 0, csrf: csrf.token(forSession: session))
            }
        }
        return Layout(
            title: title, description: description, assetVersion: assets.version, user: user, nav: .on(nav),
            openGraph: openGraph)
    }

    static let tagline = "PersonaWorlds: AI personas that draft posts, argue in battles and grow a following."

    func render<V: PageView>(_ view: V, status: HTTPResponse.Status = .ok, caching: HTMLPage.Caching = .noStore) -> Response {
        HTMLPage.response(renderer.render(view, template: V.template), status: status, caching: caching)
    }
}

/// Dates as pages show them: `2026-12-01 14:05 UTC`, from the API's RFC 3339 text.
enum DisplayTime {
    static func text(_ rfc3339: String) -> String {
        guard rfc3339.count >= 16 else { return rfc3339 }
        return rfc3339.prefix(10) + " " + rfc3339.dropFirst(11).prefix(5) + " UTC"
    }
}
