import Domain
import Foundation
import Storage
import Testing

@testable import App

/// Every response DTO, written by the one response encoder (`JSONOutput`, `CompactJSONEncoder`), parses to exactly
/// what Foundation's `JSONEncoder` makes of it; optional fields are left out, never `null`; the bytes are stable.
@Suite struct ResponseJSONTests {
    static let tricky = "Quote \" back\\slash\nnew\ttab <tag> & ünïcödé 🎉 \u{01} \u{2028} /"
    static let t1 = Timestamp(microseconds: 1_700_000_000_123_456)
    static let t2 = Timestamp(seconds: 1_700_000_001)

    /// One response value and a name for the test report.
    struct Sample: Sendable, CustomTestStringConvertible {
        let name: String
        let value: any Encodable & Sendable
        var testDescription: String { name }
        init(_ value: any Encodable & Sendable, _ variant: String = "") {
            self.value = value
            self.name = "\(type(of: value))\(variant.isEmpty ? "" : " (\(variant))")"
        }
    }

    static let persona = Persona(
        id: "id-1", userID: "u",
        fields: PersonaFields(
            name: tricky, bio: "", tone: "t", writingSamples: ["a", tricky, "c"], doNotSay: [], catchphrases: ["x"],
            preferredLanguage: "tr", formality: 3, dailyDraftQuota: 5, dailyReplyQuota: 25),
        createdAt: t1, updatedAt: t2)
    static let humanPost = Post(
        id: "p", roomID: "r", personaID: nil, personaName: nil, userID: "u", authoredBy: .human, status: .published,
        content: tricky, createdAt: t1, updatedAt: t2)
    static let aiPost = Post(
        id: "p2", roomID: "r", personaID: "pe", personaName: tricky, userID: "u", authoredBy: .aiDraftApproved, status: .draft,
        content: "c", createdAt: t1, updatedAt: t2)
    static let reply = Reply(
        id: "re", postID: "p", personaID: "pe", personaName: "n", authoredBy: .ai, content: tricky, createdAt: t1, updatedAt: t2)
    static let systemTemplate = BattleTemplate(
        id: "t", ownerUserID: nil, name: tricky, promptRules: "r", turnCount: 6, wordLimit: 120, createdAt: t1, isPublic: true)
    static let ownedTemplate = BattleTemplate(
        id: "t2", ownerUserID: "u", name: "n", promptRules: tricky, turnCount: 4, wordLimit: 80, createdAt: t2, isPublic: false)
    static let publicPersona = PublicPersona(
        personaID: "p", slug: "s", name: tricky, bio: "b", tone: "", preferredLanguage: "tr", formality: 2, followers: 3,
        postsCount: 4, createdAt: Timestamp(microseconds: 1_700_000_000_000_001))
    static let publicPost = PublicPostDTO(
        PublicPost(id: "x", roomID: "r", roomName: tricky, authoredBy: .aiDraftApproved, content: tricky, createdAt: t2))
    static let feedTemplate = FeedTemplateView(
        templateID: "t", name: tricky, promptRules: "r", turnCount: 6, wordLimit: 120, createdAt: t1, usageCount: 9, isTrending: true)
    static let feedBattle = FeedBattleView(
        battleID: "b", roomID: "r", roomName: "n", personaID: "pe", personaName: tricky, topic: "Go vs Rust", createdAt: t1,
        shares: 2, remixes: 1, templateID: "t", templateName: nil)
    static let bareBattle = FeedBattleView(
        battleID: "b2", roomID: "r", roomName: "n", personaID: nil, personaName: "", topic: "t", createdAt: t2, shares: 0,
        remixes: 0, templateID: nil, templateName: nil)

    static let samples: [Sample] = [
        Sample(ErrorBody(error: tricky)),
        Sample(OKDTO(ok: true), "no error"),
        Sample(OKDTO(ok: false, error: "db down"), "error"),
        Sample(TokenResponse(token: "a.b.c", userID: "u")),
        Sample(LogoutAllDTO(revoked: 3)),
        Sample(DeletedDTO(deleted: true)),
        Sample(EnqueueDTO(enqueued: 2, skipped: 1)),
        Sample(FollowDTO(followed: true, followers: 12)),
        Sample(PersonaDTO(persona)),
        Sample(PersonaListDTO(personas: [PersonaDTO(persona), PersonaDTO(persona)])),
        Sample(PersonaListDTO(personas: []), "empty"),
        Sample(PublishedProfileDTO(personaID: "p", slug: "s", isPublic: true, bio: tricky, createdAt: t1.rfc3339, shareURL: "https://x/p/s")),
        Sample(UnpublishedProfileDTO(personaID: "p", slug: "", isPublic: false, shareURL: "")),
        Sample(RoomListDTO(rooms: [RoomDTO(Room(id: "r", slug: "s", name: tricky, description: "d", createdAt: t1))])),
        Sample(PostDTO(humanPost), "no persona"),
        Sample(PostDTO(aiPost), "with persona"),
        Sample(PostDTO(aiPost, includePersonaName: false), "persona name left out"),
        Sample(PostListDTO(posts: [PostDTO(humanPost), PostDTO(aiPost)])),
        Sample(ThreadDTO(post: PostDTO(aiPost), replies: [ReplyDTO(reply), ReplyDTO(reply)], aiSummary: tricky)),
        Sample(ThreadDTO(post: PostDTO(humanPost), replies: [], aiSummary: ""), "no replies"),
        Sample(
            PreviewDTO(
                drafts: [.init(label: "A", content: tricky, authoredBy: "AI_DRAFT_APPROVED")], quota: .init(used: 1, limit: 5))),
        Sample(TemplateDTO(systemTemplate), "system"),
        Sample(TemplateListDTO(templates: [TemplateDTO(systemTemplate), TemplateDTO(ownedTemplate)])),
        Sample(
            BattleCreatedDTO(
                battleID: "b", post: PostDTO(aiPost), roomName: tricky, template: TemplateDTO(ownedTemplate), enqueuedReplies: 2,
                remixUsed: false, suggestedNextURL: "/b/b")),
        Sample(
            BattleMetaDTO(
                battleID: "b", roomID: "r", roomName: "n", topic: tricky, createdAt: t1.rfc3339, template: TemplateRefDTO(id: "t", name: "n"),
                shareURL: "https://x/b/b", cardURL: "https://x/b/b/card.png"), "with template"),
        Sample(
            BattleMetaDTO(
                battleID: "b", roomID: "r", roomName: "n", topic: "t", createdAt: t2.rfc3339, template: nil, shareURL: "s",
                cardURL: "c"), "no template"),
        Sample(
            RemixIntentDTO(
                battleID: "b", roomID: "r", roomName: "n", topic: tricky, proStyle: "p", conStyle: "c",
                suggestedTemplates: [SuggestedTemplateDTO(id: "t", name: "n", turnCount: 6, wordLimit: 120)], remixToken: "tok",
                remixTokenExpires: t2.rfc3339, targetCreateRoute: "/rooms/r/battles", targetBattleSource: "remix")),
        Sample(
            PublicProfilePageDTO(
                profile: PublicProfileDTO(publicPersona), latestPosts: [publicPost, publicPost],
                topRooms: [RoomStatDTO(RoomStat(roomID: "r", roomName: "n", postCount: 2))], nextCursor: "1|x")),
        Sample(PublicProfilePageDTO(profile: PublicProfileDTO(publicPersona), latestPosts: [], topRooms: [], nextCursor: ""), "empty"),
        Sample(PublicPostsPageDTO(posts: [publicPost], nextCursor: "")),
        Sample(
            FeedDTO(
                Feed(
                    items: [
                        FeedItem(id: "b", kind: .battle, reason: "trending_battle", reasons: ["a", "b"], score: 12.75, battle: feedBattle),
                        FeedItem(id: "b2", kind: .battle, reason: "r", reasons: [], score: 0.1, battle: bareBattle),
                        FeedItem(id: "t", kind: .template, reason: "new_template", reasons: ["new_template"], score: 3, template: feedTemplate),
                    ], highlight: feedTemplate))),
        Sample(FeedDTO(Feed(items: [], highlight: nil)), "empty"),
        Sample(
            NotificationListDTO(
                notifications: [
                    NotificationDTO(
                        StoredNotification(
                            id: 7, actorUserID: "a", type: "reply", title: tricky, body: "b",
                            metadataJSON: #"{"battle_id":"b","n":1.5,"k":-3,"list":[true,null,"<"],"o":{"x":1}}"#, readAt: t2,
                            createdAt: t1)),
                    NotificationDTO(
                        StoredNotification(
                            id: 8, actorUserID: nil, type: "t", title: "", body: "", metadataJSON: "not json", readAt: nil, createdAt: t1)),
                ], unreadCount: 1)),
        Sample(NotificationReadDTO(updated: true, unreadCount: 0)),
        Sample(NotificationReadAllDTO(updated: 4, unreadCount: 0)),
        Sample(
            PersonaDigestResponseDTO(
                DigestService.PersonaDigestView(
                    personaID: "p", date: "2025-03-01", summary: tricky,
                    activity: PersonaDayActivity(
                        posts: 2, replies: 5,
                        threads: [
                            DigestThread(postID: "p", roomID: "r", roomName: "n", postPreview: tricky, activityCount: 3, lastActivityAt: t1),
                            DigestThread(postID: "p2", roomID: nil, roomName: "", postPreview: nil, activityCount: 1, lastActivityAt: t2),
                        ]), updatedAt: t2, exists: true))),
        Sample(
            WeeklyDigestResponseDTO(
                DigestService.WeeklyView(
                    weekStart: "2025-02-24", generatedAt: t1,
                    items: [
                        WeeklyDigestItem(battleID: "b", roomID: "r", roomName: "n", topic: tricky, summary: "s", score: 98.25, createdAt: t1)
                    ], exists: true, isCurrentWeek: false))),
        Sample(
            AnalyticsSummaryDTO(now: t1, day: ["battle_shared": 3, "signup": 1], week: ["battle_shared": 10, "remix_clicked": 2])),
    ]

    static func parse(_ bytes: [UInt8]) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSObject)
    }

    @Test(arguments: samples) func parsesToWhatJSONEncoderWrites(_ sample: Sample) throws {
        let ours = JSONOutput.bodyBytes(sample.value)
        #expect(ours.last == 0x0A)
        #expect(try Self.parse(ours) == Self.parse(Array(try JSONEncoder().encode(sample.value))))
        // Optional fields are omitted, never null; Go's escapes are applied.
        let text = String(decoding: ours, as: UTF8.self)
        #expect(!text.contains(":null"))
        #expect(!text.contains("<") && !text.contains(">") && !text.contains("&"))
        // Stable bytes: what the public ETags hash.
        #expect(JSONOutput.bodyBytes(sample.value) == ours)
    }

    @Test func everyResponseTypeHasASample() {
        // The response types handlers return (`JSONResult<…>`, `JSONOutput`, `PublicCaching.json`); a new one needs
        // a sample above.
        let responseTypes: Set<String> = [
            "AnalyticsSummaryDTO", "BattleCreatedDTO", "BattleMetaDTO", "DeletedDTO", "EnqueueDTO", "ErrorBody", "FeedDTO",
            "FollowDTO", "LogoutAllDTO", "NotificationListDTO", "NotificationReadAllDTO", "NotificationReadDTO", "OKDTO",
            "PersonaDTO", "PersonaDigestResponseDTO", "PersonaListDTO", "PostDTO", "PostListDTO", "PreviewDTO",
            "PublicPostsPageDTO", "PublicProfilePageDTO", "PublishedProfileDTO", "RemixIntentDTO", "RoomListDTO", "TemplateDTO",
            "TemplateListDTO", "ThreadDTO", "TokenResponse", "UnpublishedProfileDTO", "WeeklyDigestResponseDTO",
        ]
        let sampled = Set(Self.samples.map { String(describing: type(of: $0.value)) })
        #expect(responseTypes.subtracting(sampled).isEmpty)
    }

    @Test func keysAreWrittenInDeclarationOrder() {
        let text = String(decoding: JSONOutput.bodyBytes(PersonaDTO(Self.persona)), as: UTF8.self)
        let keys = [
            "id", "name", "bio", "tone", "writing_samples", "do_not_say", "catchphrases", "preferred_language", "formality",
            "daily_draft_quota", "daily_reply_quota", "created_at", "updated_at",
        ]
        let positions = keys.map { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(!positions.contains(nil))
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    }

    @Test func exactBytesOfASmallResponse() {
        let post = PostDTO(Self.humanPost)
        #expect(
            String(decoding: JSONOutput.bodyBytes(PostListDTO(posts: [post])), as: UTF8.self)
                == #"{"posts":[{"id":"p","room_id":"r","authored_by":"HUMAN","status":"PUBLISHED","content":"Quote \" back\\slash\nnew\ttab \u003ctag\u003e \u0026 ünïcödé 🎉 \u0001 \u2028 /","created_at":"2023-11-14T22:13:20.123456Z","updated_at":"2023-11-14T22:13:21Z"}]}"#
                + "\n")
    }
}
