/// Inputs and output of the personalised feed (`GET /feed`).
///
/// The store supplies the three candidate lists already selected and counted (followed battles,
/// trending battles, new public templates); `FeedRanking.build` scores, merges and orders them.

/// A published post offered to the feed by the followed or the trending source.
public struct FeedBattleCandidate: Sendable, Equatable {
    public var battleID: String
    public var roomID: String
    public var roomName: String
    public var personaID: String?
    public var personaName: String?
    public var content: String
    public var createdAt: Timestamp
    public var templateID: String?
    public var templateName: String?
    /// `battle_shared` events credited to this battle in the engagement window.
    public var shares: Int
    /// `remix_completed` events credited to this battle in the engagement window.
    public var remixes: Int

    public init(
        battleID: String, roomID: String, roomName: String, personaID: String? = nil, personaName: String? = nil,
        content: String, createdAt: Timestamp, templateID: String? = nil, templateName: String? = nil,
        shares: Int = 0, remixes: Int = 0
    ) {
        self.battleID = battleID
        self.roomID = roomID
        self.roomName = roomName
        self.personaID = personaID
        self.personaName = personaName
        self.content = content
        self.createdAt = createdAt
        self.templateID = templateID
        self.templateName = templateName
        self.shares = shares
        self.remixes = remixes
    }
}

/// A public template offered to the feed, with how many published posts used it recently.
public struct FeedTemplateCandidate: Sendable, Equatable {
    public var templateID: String
    public var name: String
    public var promptRules: String
    public var turnCount: Int
    public var wordLimit: Int
    public var createdAt: Timestamp
    public var usageCount: Int

    public init(
        templateID: String, name: String, promptRules: String, turnCount: Int, wordLimit: Int,
        createdAt: Timestamp, usageCount: Int
    ) {
        self.templateID = templateID
        self.name = name
        self.promptRules = promptRules
        self.turnCount = turnCount
        self.wordLimit = wordLimit
        self.createdAt = createdAt
        self.usageCount = usageCount
    }
}

/// The `battle` object of a feed item. Optional fields are nil when the post has no such value,
/// so the writer can omit them.
public struct FeedBattleView: Sendable, Equatable {
    public var battleID: String
    public var roomID: String
    public var roomName: String
    public var personaID: String?
    public var personaName: String?
    /// The battle's topic (`BattleTopic`, 180 runes), so the feed and the share card agree.
    public var topic: String
    public var createdAt: Timestamp
    public var shares: Int
    public var remixes: Int
    /// With `templateName`, the `template: {id, name}` object; nil when the post has no template.
    public var templateID: String?
    public var templateName: String?

    public init(
        battleID: String, roomID: String, roomName: String, personaID: String?, personaName: String?, topic: String,
        createdAt: Timestamp, shares: Int, remixes: Int, templateID: String?, templateName: String?
    ) {
        self.battleID = battleID
        self.roomID = roomID
        self.roomName = roomName
        self.personaID = personaID
        self.personaName = personaName
        self.topic = topic
        self.createdAt = createdAt
        self.shares = shares
        self.remixes = remixes
        self.templateID = templateID
        self.templateName = templateName
    }
}

/// The `template` object of a feed item, and the `highlight_template`.
public struct FeedTemplateView: Sendable, Equatable {
    public var templateID: String
    public var name: String
    /// `Trunc(prompt_rules, 220)`.
    public var promptRules: String
    public var turnCount: Int
    public var wordLimit: Int
    public var createdAt: Timestamp
    public var usageCount: Int
    /// True only for the highlighted template (in both places it appears).
    public var isTrending: Bool

    public init(
        templateID: String, name: String, promptRules: String, turnCount: Int, wordLimit: Int,
        createdAt: Timestamp, usageCount: Int, isTrending: Bool
    ) {
        self.templateID = templateID
        self.name = name
        self.promptRules = promptRules
        self.turnCount = turnCount
        self.wordLimit = wordLimit
        self.createdAt = createdAt
        self.usageCount = usageCount
        self.isTrending = isTrending
    }
}

/// One entry of `items`.
public struct FeedItem: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case battle
        case template
    }

    /// `battle:<post id>` or `template:<template id>`.
    public var id: String
    public var kind: Kind
    /// The reason whose score the item carries.
    public var reason: String
    /// Every reason that offered this item, in rank order.
    public var reasons: [String]
    /// Rounded to 2 decimals (`FeedRanking.round2`).
    public var score: Double
    public var battle: FeedBattleView?
    public var template: FeedTemplateView?

    public init(
        id: String, kind: Kind, reason: String, reasons: [String], score: Double,
        battle: FeedBattleView? = nil, template: FeedTemplateView? = nil
    ) {
        self.id = id
        self.kind = kind
        self.reason = reason
        self.reasons = reasons
        self.score = score
        self.battle = battle
        self.template = template
    }

    /// The battle's or the template's creation time, the secondary sort key.
    public var createdAt: Timestamp { battle?.createdAt ?? template?.createdAt ?? Timestamp(microseconds: 0) }
}

/// The `GET /feed` body: `items` (always present) and the optional `highlight_template`.
public struct Feed: Sendable, Equatable {
    public var items: [FeedItem]
    public var highlight: FeedTemplateView?

    public init(items: [FeedItem], highlight: FeedTemplateView?) {
        self.items = items
        self.highlight = highlight
    }
}
