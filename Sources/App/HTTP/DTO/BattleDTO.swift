import Domain

/// `POST /rooms/{id}/battles` body (strict).
struct BattleCreateRequest: StrictDecodable {
    static let fieldNames = ["topic", "template_id", "remix_token", "pro_style", "con_style"]
    let value: BattleService.CreateRequest

    init(_ r: JSONObjectReader) throws {
        value = .init(
            topic: try r.string("topic"), templateID: try r.string("template_id"), remixToken: try r.string("remix_token"),
            proStyle: try r.string("pro_style"), conStyle: try r.string("con_style"))
    }
}

/// The battle-creation summary.
struct BattleCreatedDTO: Encodable, Sendable {
    let battleID: String
    let post: PostDTO
    let roomName: String
    let template: TemplateDTO
    let enqueuedReplies: Int
    let remixUsed: Bool
    let suggestedNextURL: String

    enum CodingKeys: String, CodingKey {
        case battleID = "battle_id", post, roomName = "room_name", template, enqueuedReplies = "enqueued_replies"
        case remixUsed = "remix_used", suggestedNextURL = "suggested_next_url"
    }
}

/// `{id, name}` of a battle's template.
struct TemplateRefDTO: Encodable, Sendable {
    let id: String
    let name: String
}

/// `GET /b/{id}/meta`: derived topic, never the raw content.
struct BattleMetaDTO: Encodable, Sendable {
    let battleID: String
    let roomID: String
    let roomName: String
    let topic: String
    let createdAt: String
    let template: TemplateRefDTO?
    let shareURL: String
    let cardURL: String

    enum CodingKeys: String, CodingKey {
        case battleID = "battle_id", roomID = "room_id", roomName = "room_name", topic, createdAt = "created_at", template
        case shareURL = "share_url", cardURL = "card_url"
    }
}

/// A template suggested for a remix.
struct SuggestedTemplateDTO: Encodable, Sendable {
    let id: String
    let name: String
    let turnCount: Int
    let wordLimit: Int

    enum CodingKeys: String, CodingKey { case id, name, turnCount = "turn_count", wordLimit = "word_limit" }
}

/// `POST /battles/{id}/remix-intent`.
struct RemixIntentDTO: Encodable, Sendable {
    let battleID: String
    let roomID: String
    let roomName: String
    let topic: String
    let proStyle: String
    let conStyle: String
    let suggestedTemplates: [SuggestedTemplateDTO]
    let remixToken: String
    let remixTokenExpires: String
    let targetCreateRoute: String
    let targetBattleSource: String

    enum CodingKeys: String, CodingKey {
        case battleID = "battle_id", roomID = "room_id", roomName = "room_name", topic, proStyle = "pro_style", conStyle = "con_style"
        case suggestedTemplates = "suggested_templates", remixToken = "remix_token", remixTokenExpires = "remix_token_expires"
        case targetCreateRoute = "target_create_route", targetBattleSource = "target_battle_source"
    }
}
