/// What every page's header and footer show: the title, the signed-in user's navigation (with the unread
/// count and the CSRF token the script sends back), the asset version and, on share pages, Open Graph tags.
struct Layout: Sendable {
    let title: String
    let description: String
    let assetVersion: String
    let user: NavUser?
    let nav: NavFlags
    let openGraph: OpenGraph?
}

/// The signed-in part of the navigation bar.
struct NavUser: Sendable {
    let email: String
    let isAdmin: Bool
    let unread: Int
    let hasUnread: Bool
    let csrf: String
}

/// Which navigation link is the current page (`aria-current="page"`).
struct NavFlags: Sendable {
    var personas = false, rooms = false, battle = false, templates = false
    var feed = false, notifications = false, digest = false, admin = false, account = false

    static func on(_ item: NavItem?) -> NavFlags {
        var flags = NavFlags()
        switch item {
        case .personas: flags.personas = true
        case .rooms: flags.rooms = true
        case .battle: flags.battle = true
        case .templates: flags.templates = true
        case .feed: flags.feed = true
        case .notifications: flags.notifications = true
        case .digest: flags.digest = true
        case .admin: flags.admin = true
        case .account: flags.account = true
        case nil: break
        }
        return flags
    }
}

enum NavItem: Sendable { case personas, rooms, battle, templates, feed, notifications, digest, admin, account }

/// Share metadata so a pasted link unfurls with the card (`og:image` is absolute, as crawlers require).
struct OpenGraph: Sendable {
    let title: String
    let description: String
    let image: String
    let url: String
}

/// A page's view: its template and its layout.
protocol PageView: Sendable {
    static var template: String { get }
    var layout: Layout { get }
}
