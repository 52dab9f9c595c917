@testable import App
import Domain
import Foundation
import Testing

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
        let fields = PersonaFields(name: Self.tricky, bio: "", tone: "t", writingSamples: ["a", Self.tricky, "c"], doNotSay: [],
                                   catchphrases: ["x"], preferredLanguage: "tr", formality: 3, dailyDraftQuota: 5, dailyReplyQuota: 25)
        let persona = Persona(id: "id-1", userID: "u", fields: fields, createdAt: Timestamp(microseconds: 1_700_000_000_123_456),
                              updatedAt: Timestamp(seconds: 1_700_000_001))
        let dto = PersonaListDTO(personas: [PersonaDTO(persona), PersonaDTO(persona)])
        #expect(try Self.parse(Self.viaWriter(dto)) == Self.parse(JSONEncoder().encode(dto)))
        #expect(try Self.parse(Self.viaWriter(PersonaListDTO(personas: []))) == ["personas": []])
    }

    @Test func postsOmitMissingOptionalFields() throws {
        let post = Post(id: "p", roomID: "r", personaID: nil, personaName: nil, userID: "u", authoredBy: .human, status: .published,
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
}
