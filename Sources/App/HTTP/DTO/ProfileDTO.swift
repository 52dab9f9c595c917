/// `POST /personas/{id}/publish-profile` body (strict, empty allowed).
struct PublishProfileRequest: StrictDecodable {
    static let fieldNames = ["slug", "bio"]
    let slug: String
    let bio: String

    init(_ r: JSONObjectReader) throws {
        slug = try r.string("slug")
        bio = try r.string("bio")
    }
}

/// Publish response.
struct PublishedProfileDTO: Encodable, Sendable {
    let personaID: String
    let slug: String
    let isPublic: Bool
    let bio: String
    let createdAt: String
    let shareURL: String

    enum CodingKeys: String, CodingKey {
        case personaID = "persona_id", slug, isPublic = "is_public", bio, createdAt = "created_at", shareURL = "share_url"
    }
}

/// Unpublish response (no bio, no created_at).
struct UnpublishedProfileDTO: Encodable, Sendable {
    let personaID: String
    let slug: String
    let isPublic: Bool
    let shareURL: String

    enum CodingKeys: String, CodingKey { case personaID = "persona_id", slug, isPublic = "is_public", shareURL = "share_url" }
}
