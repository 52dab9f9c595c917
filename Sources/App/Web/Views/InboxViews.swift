import Web

struct TemplatesPage: PageView {
    static let template = "templates"
    let layout: Layout
    let templates: [TemplateDTO]
}

struct FeedPage: PageView {
    struct Item: Sendable {
        let battle: FeedBattleDTO?
        let template: FeedTemplateDTO?
        let reason: String
        let when: String
    }

    static let template = "feed"
    /// One of the user's own battles.
    struct Own: Sendable {
        let id: String
        let headline: String
        let roomName: String
        let when: String
    }

    let layout: Layout
    let items: [Item]
    let highlight: FeedTemplateDTO?
    let own: [Own]
}

struct NotificationsPage: PageView {
    struct Item: Sendable {
        let id: Int64
        let title: String
        let body: String
        let unread: Bool
        let when: String
        let link: String?
    }

    static let template = "notifications"
    let layout: Layout
    let items: [Item]
    let unreadCount: Int
}

struct WeeklyDigestPage: PageView {
    static let template = "digest"
    let layout: Layout
    let digest: WeeklyDigestResponseDTO.Digest
    let exists: Bool
    let isCurrentWeek: Bool
}

struct AdminPage: PageView {
    struct Count: Sendable {
        let name: String
        let day: Int
        let week: Int
    }

    static let template = "admin"
    let layout: Layout
    let generatedAt: String
    let counts: [Count]
    let chart: BarChart
    let funnel: [Count]
    let remixFunnel: [Count]
    let retention: [Count]
    /// The operator console's sections.
    let console: ConsoleView
}
