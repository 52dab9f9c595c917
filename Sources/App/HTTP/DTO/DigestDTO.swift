import Domain

/// `{"digest": PersonaDigest, "exists": bool}`.
struct PersonaDigestResponseDTO: Encodable, Sendable {
    struct Stats: Encodable, Sendable {
        let posts: Int
        let replies: Int
        let topThreads: [Thread]
        enum CodingKeys: String, CodingKey { case posts, replies, topThreads = "top_threads" }
    }

    struct Thread: Encodable, Sendable {
        let postID: String
        let roomID: String?
        let roomName: String?
        let postPreview: String?
        let activityCount: Int
        let lastActivityAt: String
        enum CodingKeys: String, CodingKey {
            case postID = "post_id", roomID = "room_id", roomName = "room_name", postPreview = "post_preview"
            case activityCount = "activity_count", lastActivityAt = "last_activity_at"
        }
    }

    struct Digest: Encodable, Sendable {
        let personaID: String
        let date: String
        let summary: String
        let stats: Stats
        let hasActivity: Bool
        let updatedAt: String
        enum CodingKeys: String, CodingKey {
            case personaID = "persona_id", date, summary, stats, hasActivity = "has_activity", updatedAt = "updated_at"
        }
    }

    let digest: Digest
    let exists: Bool

    init(_ v: DigestService.PersonaDigestView) {
        let threads = v.activity.threads.map {
            Thread(
                postID: $0.postID, roomID: $0.roomID.flatMap { $0.isEmpty ? nil : $0 }, roomName: $0.roomName.flatMap { $0.isEmpty ? nil : $0 },
                postPreview: $0.postPreview.flatMap { $0.isEmpty ? nil : $0 }, activityCount: $0.activityCount,
                lastActivityAt: $0.lastActivityAt.rfc3339)
        }
        digest = Digest(
            personaID: v.personaID, date: v.date, summary: v.summary,
            stats: Stats(posts: v.activity.posts, replies: v.activity.replies, topThreads: threads),
            hasActivity: v.activity.hasActivity, updatedAt: v.updatedAt.rfc3339)
        exists = v.exists
    }
}

/// `GET /digest/weekly`.
struct WeeklyDigestResponseDTO: Encodable, Sendable {
    struct Item: Encodable, Sendable {
        let battleID: String
        let roomID: String
        let roomName: String
        let topic: String
        let summary: String
        let score: Double
        let createdAt: String
        enum CodingKeys: String, CodingKey {
            case battleID = "battle_id", roomID = "room_id", roomName = "room_name", topic, summary, score, createdAt = "created_at"
        }
    }

    struct Digest: Encodable, Sendable {
        let weekStart: String
        let generatedAt: String
        let items: [Item]
        enum CodingKeys: String, CodingKey { case weekStart = "week_start", generatedAt = "generated_at", items }
    }

    let digest: Digest
    let exists: Bool
    let isCurrentWeek: Bool

    enum CodingKeys: String, CodingKey { case digest, exists, isCurrentWeek = "is_current_week" }

    init(_ v: DigestService.WeeklyView) {
        digest = Digest(
            weekStart: v.weekStart, generatedAt: v.generatedAt.rfc3339,
            items: v.items.map {
                Item(
                    battleID: $0.battleID, roomID: $0.roomID, roomName: $0.roomName, topic: $0.topic, summary: $0.summary, score: $0.score,
                    createdAt: $0.createdAt.rfc3339)
            })
        exists = v.exists
        isCurrentWeek = v.isCurrentWeek
    }
}
