import Domain
import Foundation
import Testing

@testable import App

/// The fast writer produces the same JSON as `JSONEncoder` for the DTOs that use it.
@Suite struct JSONWriterTests {
    static let tricky = "Quote \" back\\slash\nnew\ttab <tag> & ünïcödé 🎉 \u{01}"

    static func parse(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    static func viaWriter(_ value: some JSONWritable) -> Data {
        var w = JSONWriter()
        value.write(to: &w)
        return Data(w.bytes)
    }

    @Test func personaListMatchesJSONEncoder() throws {
        let fields = PersonaFields(
            name: Self.tricky, bio: "", tone: "t", writingSamples: ["a", Self.tricky, "c"], doNotSay: [],
            catchphrases: ["x"], preferredLanguage: "tr", formality: 3, dailyDraftQuota: 5, dailyReplyQuota: 25)
        let persona = Persona(
            id: "id-1", userID: "u", fields: fields, createdAt: Timestamp(microseconds: 1_700_000_000_123_456),
            updatedAt: Timestamp(seconds: 1_700_000_001))
        let dto = PersonaListDTO(personas: [PersonaDTO(persona), PersonaDTO(persona)])
        #expect(try Self.parse(Self.viaWriter(dto)) == Self.parse(JSONEncoder().encode(dto)))
        #expect(try Self.parse(Self.viaWriter(PersonaListDTO(personas: []))) == ["personas": []])
    }

    @Test func postsOmitMissingOptionalFields() throws {
        let post = Post(
            id: "p", roomID: "r", personaID: nil, personaName: nil, userID: "u", authoredBy: .human, status: .published,
            content: Self.tricky, createdAt: Timestamp(seconds: 1), updatedAt: Timestamp(seconds: 2))
        let dto = PostListDTO(posts: [PostDTO(post)])
        let written = try Self.parse(Self.viaWriter(dto))
        #expect(written == (try Self.parse(JSONEncoder().encode(dto))))
        let first = try #require((written["posts"] as? [NSDictionary])?.first)
        #expect(first["persona_id"] == nil)
        #expect(!String(decoding: Self.viaWriter(dto), as: UTF8.self).contains("null"))
    }

    @Test func roomsMatchJSONEncoder() throws {
        let dto = RoomListDTO(rooms: [RoomDTO(Room(id: "r", slug: "s", name: Self.tricky, description: "d", createdAt: Timestamp(seconds: 5)))])
        #expect(try Self.parse(Self.viaWriter(dto)) == Self.parse(JSONEncoder().encode(dto)))
    }

    @Test func publicPagesAndTemplatesMatchJSONEncoder() throws {
        let persona = PublicPersona(
            personaID: "p", slug: "s", name: Self.tricky, bio: "b", tone: "", preferredLanguage: "tr", formality: 2,
            followers: 3, postsCount: 4, createdAt: Timestamp(microseconds: 1_700_000_000_000_001))
        let post = PublicPostDTO(
            PublicPost(
                id: "x", roomID: "r", roomName: Self.tricky, authoredBy: .aiDraftApproved, content: Self.tricky,
                createdAt: Timestamp(seconds: 9)))
        let page = PublicProfilePageDTO(
            profile: PublicProfileDTO(persona), latestPosts: [post, post],
            topRooms: [RoomStatDTO(RoomStat(roomID: "r", roomName: "n", postCount: 2))], nextCursor: "1|x")
        #expect(try Self.parse(Self.viaWriter(page)) == Self.parse(JSONEncoder().encode(page)))
        let empty = PublicProfilePageDTO(profile: PublicProfileDTO(persona), latestPosts: [], topRooms: [], nextCursor: "")
        #expect(try Self.parse(Self.viaWriter(empty)) == Self.parse(JSONEncoder().encode(empty)))
        let posts = PublicPostsPageDTO(posts: [post], nextCursor: "")
        #expect(try Self.parse(Self.viaWriter(posts)) == Self.parse(JSONEncoder().encode(posts)))
        let system = BattleTemplate(
            id: "t", ownerUserID: nil, name: Self.tricky, promptRules: "r", turnCount: 6, wordLimit: 120,
            createdAt: Timestamp(seconds: 3), isPublic: true)
        var owned = system
        owned.ownerUserID = "u"
        let list = TemplateListDTO(templates: [TemplateDTO(system), TemplateDTO(owned)])
        #expect(try Self.parse(Self.viaWriter(list)) == Self.parse(JSONEncoder().encode(list)))
    }
}
