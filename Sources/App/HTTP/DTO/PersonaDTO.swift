import Domain

/// The owner-only persona shape (never on public routes).
struct PersonaDTO: Encodable, Sendable {
    let id: String
    let name: String
    let bio: String
    let tone: String
    let writingSamples: [String]
    let doNotSay: [String]
    let catchphrases: [String]
    let preferredLanguage: String
    let formality: Int
    let dailyDraftQuota: Int
    let dailyReplyQuota: Int
    let createdAt: String
    let updatedAt: String

    /// In declaration order, which is the order the keys are written in (`CompactJSONEncoder`).
    enum CodingKeys: String, CodingKey {
        case id, name, bio, tone
        case writingSamples = "writing_samples", doNotSay = "do_not_say", catchphrases
        case preferredLanguage = "preferred_language", formality, dailyDraftQuota = "daily_draft_quota"
        case dailyReplyQuota = "daily_reply_quota", createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ p: Persona) {
        id = p.id
        name = p.fields.name
        bio = p.fields.bio
        tone = p.fields.tone
        writingSamples = p.fields.writingSamples
        doNotSay = p.fields.doNotSay
        catchphrases = p.fields.catchphrases
        preferredLanguage = p.fields.preferredLanguage
        formality = p.fields.formality
        dailyDraftQuota = p.fields.dailyDraftQuota
        dailyReplyQuota = p.fields.dailyReplyQuota
        createdAt = p.createdAt.rfc3339
        updatedAt = p.updatedAt.rfc3339
    }
}

/// `{"personas": [...]}`.
struct PersonaListDTO: Encodable, Sendable { let personas: [PersonaDTO] }

/// `{"deleted": true}`.
struct DeletedDTO: Encodable, Sendable { let deleted: Bool }

/// Create/replace body (strict).
struct PersonaUpsertRequest: StrictDecodable {
    static let fieldNames = [
        "name", "bio", "tone", "writing_samples", "do_not_say", "catchphrases",
        "preferred_language", "formality", "daily_draft_quota", "daily_reply_quota",
    ]
    let fields: PersonaFields

    init(_ r: JSONObjectReader) throws {
        fields = PersonaFields(
            name: try r.string("name"), bio: try r.string("bio"), tone: try r.string("tone"),
            writingSamples: try r.stringArray("writing_samples"), doNotSay: try r.stringArray("do_not_say"),
            catchphrases: try r.stringArray("catchphrases"), preferredLanguage: try r.string("preferred_language"),
            formality: try r.int("formality"), dailyDraftQuota: try r.int("daily_draft_quota"),
            dailyReplyQuota: try r.int("daily_reply_quota"))
    }
}
