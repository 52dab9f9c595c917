import Domain
import Web

struct TemplatesPage: PageView {
    /// A template as the list shows it.
    struct Row: Sendable {
        let name: String
        /// `6 turns · 120 words per reply · public`.
        let meta: String
        let promptRules: String
    }

    /// The create form's values (the posted ones after a failure).
    struct Form: Sendable {
        var name = ""
        var promptRules = ""
        var turnCount = "6"
        var wordLimit = "120"
        var isPublic = false
        var error: String?
    }

    static let template = "templates"
    let layout: Layout
    let templates: [Row]
    let form: Form

    static func row(_ template: BattleTemplate) -> Row {
        Row(
            name: template.name,
            meta: "\(Plural.count(template.turnCount, "turn")) · \(Plural.count(template.wordLimit, "word")) per reply · "
                + (template.isPublic ? "public" : "private"),
            promptRules: template.promptRules)
    }
}

struct FeedPage: PageView {
    /// One feed item in words: what it is, why it is here, when.
    struct Item: Sendable {
        let battleID: String?
        let topic: String?
        let templateName: String?
        /// `go-backend · Ada · 2 shares · 1 remix`, or `4 turns · used 1 time`.
        let meta: String
        /// Why it is in the feed: `From a persona you follow`, `Trending`, `New template`.
        let reason: String
        let when: String
    }

    /// The trending template above the feed.
    struct Highlight: Sendable {
        let name: String
        /// `used in 3 battles`.
        let usage: String
    }

    /// One of the user's own battles.
    struct Own: Sendable {
        let id: String
        let headline: String
        let roomName: String
        let when: String
    }

    static let template = "feed"
    let layout: Layout
    let items: [Item]
    let highlight: Highlight?
    let own: [Own]

    /// The API's reason codes (`followed_persona`, …) in words for people; the JSON keeps the codes.
    static func reasonLabel(_ code: String) -> String {
        switch code {
        case FeedRanking.followedReason: "From a persona you follow"
        case FeedRanking.trendingReason: "Trending"
        case FeedRanking.templateReason: "New template"
        default: "Suggested for you"
        }
    }

    static func item(_ dto: FeedItemDTO) -> Item {
        let reason = reasonLabel(dto.reason)
        if let battle = dto.battle {
            let parts = [
                battle.roomName, battle.personaName ?? "", Plural.count(battle.shares, "share"), Plural.count(battle.remixes, "remix", "remixes"),
            ]
            return Item(
                battleID: battle.battleID, topic: battle.topic, templateName: nil,
                meta: parts.filter { !$0.isEmpty }.joined(separator: " · "), reason: reason, when: DisplayTime.text(battle.createdAt))
        }
        let template = dto.template
        return Item(
            battleID: nil, topic: nil, templateName: template?.name,
            meta: template.map { "\(Plural.count($0.turnCount, "turn")) · used \(Plural.count($0.usageCount, "time"))" } ?? "",
            reason: reason, when: "")
    }

    static func highlight(_ dto: FeedTemplateDTO?) -> Highlight? {
        dto.map { Highlight(name: $0.name, usage: "used in \(Plural.count($0.usageCount, "battle"))") }
    }
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
