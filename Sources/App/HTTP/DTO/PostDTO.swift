import Domain

/// A post; `persona_name` only where the route populates it.
struct PostDTO: Encodable, Sendable {
    let id: String
    let roomID: String
    let personaID: String?
    let personaName: String?
    let authoredBy: String
    let status: String
    let content: String
    let createdAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, roomID = "room_id", personaID = "persona_id", personaName = "persona_name", authoredBy = "authored_by"
        case status, content, createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ post: Post, includePersonaName: Bool = true) {
        id = post.id
        roomID = post.roomID
        personaID = post.personaID
        personaName = includePersonaName ? post.personaName.flatMap { $0.isEmpty ? nil : $0 } : nil
        authoredBy = post.authoredBy.rawValue
        status = post.status.rawValue
        content = post.content
        createdAt = post.createdAt.rfc3339
        updatedAt = post.updatedAt.rfc3339
    }
}

/// A reply.
struct ReplyDTO: Encodable, Sendable {
    let id: String
    let postID: String
    let personaID: String?
    let personaName: String?
    let authoredBy: String
    let content: String
    let createdAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, postID = "post_id", personaID = "persona_id", personaName = "persona_name", authoredBy = "authored_by"
        case content, createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ reply: Reply) {
        id = reply.id
        postID = reply.postID
        personaID = reply.personaID
        personaName = reply.personaName.flatMap { $0.isEmpty ? nil : $0 }
        authoredBy = reply.authoredBy.rawValue
        content = reply.content
        createdAt = reply.createdAt.rfc3339
        updatedAt = reply.updatedAt.rfc3339
    }
}

/// `{"posts": [...]}`.
struct PostListDTO: Encodable, Sendable { let posts: [PostDTO] }

/// `GET /posts/{id}/thread`.
struct ThreadDTO: Encodable, Sendable {
    let post: PostDTO
    let replies: [ReplyDTO]
    let aiSummary: String

    enum CodingKeys: String, CodingKey { case post, replies, aiSummary = "ai_summary" }
}

/// `{"enqueued": n, "skipped": m}`.
struct EnqueueDTO: Encodable, Sendable {
    let enqueued: Int
    let skipped: Int
}

/// Preview response.
struct PreviewDTO: Encodable, Sendable {
    struct Draft: Encodable, Sendable {
        let label: String
        let content: String
        let authoredBy: String
        enum CodingKeys: String, CodingKey { case label, content, authoredBy = "authored_by" }
    }

    struct Quota: Encodable, Sendable {
        let used: Int
        let limit: Int
    }

    let drafts: [Draft]
    let quota: Quota
}

/// Draft body `{persona_id}` (strict).
struct DraftRequest: StrictDecodable {
    static let fieldNames = ["persona_id"]
    let personaID: String

    init(_ r: JSONObjectReader) throws { personaID = try r.string("persona_id") }
}

/// Approve body `{content?}` (strict, empty allowed).
struct ApproveRequest: StrictDecodable {
    static let fieldNames = ["content"]
    let content: String

    init(_ r: JSONObjectReader) throws { content = try r.string("content") }
}

/// Generate-replies body `{persona_ids?}` (strict, empty allowed).
struct GenerateRepliesRequest: StrictDecodable {
    static let fieldNames = ["persona_ids"]
    let personaIDs: [String]

    init(_ r: JSONObjectReader) throws { personaIDs = try r.stringArray("persona_ids") }
}
