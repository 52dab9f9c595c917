import Domain

/// `GET /feed`.
struct FeedDTO: Encodable, Sendable {
    let items: [FeedItemDTO]
    let highlightTemplate: FeedTemplateDTO?

    enum CodingKeys: String, CodingKey { case items, highlightTemplate = "highlight_template" }

    init(_ feed: Feed) {
        items = feed.items.map(FeedItemDTO.init)
        highlightTemplate = feed.highlight.map(FeedTemplateDTO.init)
    }
}

struct FeedItemDTO: Encodable, Sendable {
    let id: String
    let kind: String
    let reason: String
    let reasons: [String]
    let score: Double
    let battle: FeedBattleDTO?
    let template: FeedTemplateDTO?

    init(_ item: FeedItem) {
        id = item.id
        kind = item.kind.rawValue
        reason = item.reason
        reasons = item.reasons
        score = item.score
        battle = item.battle.map(FeedBattleDTO.init)
        template = item.template.map(FeedTemplateDTO.init)
    }
}

struct FeedBattleDTO: Encodable, Sendable {
    let battleID: String
    let roomID: String
    let roomName: String
    let personaID: String?
    let personaName: String?
    let topic: String
    let createdAt: String
    let shares: Int
    let remixes: Int
    let template: TemplateRefDTO?

    enum CodingKeys: String, CodingKey {
        case battleID = "battle_id", roomID = "room_id", roomName = "room_name", personaID = "persona_id", personaName = "persona_name"
        case topic, createdAt = "created_at", shares, remixes, template
    }

    init(_ b: FeedBattleView) {
        battleID = b.battleID
        roomID = b.roomID
        roomName = b.roomName
        personaID = b.personaID.flatMap { $0.isEmpty ? nil : $0 }
        personaName = b.personaName.flatMap { $0.isEmpty ? nil : $0 }
        topic = b.topic
        createdAt = b.createdAt.rfc3339
        shares = b.shares
        remixes = b.remixes
        template = b.templateID.map { TemplateRefDTO(id: $0, name: b.templateName ?? "") }
    }
}

struct FeedTemplateDTO: Encodable, Sendable {
    let templateID: String
    let name: String
    let promptRules: String
    let turnCount: Int
    let wordLimit: Int
    let createdAt: String
    let usageCount: Int
    let isTrending: Bool

    enum CodingKeys: String, CodingKey {
        case templateID = "template_id", name, promptRules = "prompt_rules", turnCount = "turn_count", wordLimit = "word_limit"
        case createdAt = "created_at", usageCount = "usage_count", isTrending = "is_trending"
    }

    init(_ t: FeedTemplateView) {
        templateID = t.templateID
        name = t.name
        promptRules = t.promptRules
        turnCount = t.turnCount
        wordLimit = t.wordLimit
        createdAt = t.createdAt.rfc3339
        usageCount = t.usageCount
        isTrending = t.isTrending
    }
}
