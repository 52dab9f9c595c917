import Domain

/// A battle template; `owner_user_id` is omitted for system templates.
struct TemplateDTO: Encodable, Sendable {
    let id: String
    let ownerUserID: String?
    let name: String
    let promptRules: String
    let turnCount: Int
    let wordLimit: Int
    let createdAt: String
    let isPublic: Bool

    enum CodingKeys: String, CodingKey {
        case id, ownerUserID = "owner_user_id", name, promptRules = "prompt_rules", turnCount = "turn_count"
        case wordLimit = "word_limit", createdAt = "created_at", isPublic = "is_public"
    }

    init(_ t: BattleTemplate) {
        id = t.id
        ownerUserID = t.ownerUserID.flatMap { $0.isEmpty ? nil : $0 }
        name = t.name
        promptRules = t.promptRules
        turnCount = t.turnCount
        wordLimit = t.wordLimit
        createdAt = t.createdAt.rfc3339
        isPublic = t.isPublic
    }
}

/// `{"templates": [...]}`.
struct TemplateListDTO: Encodable, Sendable { let templates: [TemplateDTO] }

/// `POST /templates` body (strict); `is_public` omitted means false.
struct TemplateCreateRequest: StrictDecodable {
    static let fieldNames = ["name", "prompt_rules", "turn_count", "word_limit", "is_public"]
    let input: TemplateInput

    init(_ r: JSONObjectReader) throws {
        input = TemplateInput(
            name: try r.string("name"), promptRules: try r.string("prompt_rules"), turnCount: try r.int("turn_count"),
            wordLimit: try r.int("word_limit"), isPublic: try r.bool("is_public") ?? false)
    }
}
