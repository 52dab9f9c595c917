import Card
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// `GET /b/{id}/card.png`: a real PNG, conditional requests, and the cache following reply changes.
@Suite struct CardRouteTests {
    @Test func theCardIsA960x540PngWithValidatorsAndA304() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            let room = try await client.firstRoom(token: token).id
            let id = try #require(
                try await client.createBattle(token: token, room: room, json: #"{"topic":"Çay mı kahve mi? ğüşıöç"}"#)["battle_id"] as? String)
            let card = try await client.send(.get, "/b/\(id)/card.png")
            #expect(card.status == .ok)
            #expect(card.header("Content-Type") == "image/png")
            #expect(card.header("Cache-Control") == "public, max-age=300")
            let etag = try #require(card.header("ETag"))
            #expect(etag.hasPrefix("\"battle-card-\(id)|") && etag.hasSuffix("\""))
            let bytes = Array(card.body.readableBytesView)
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            let decoded = try PNGCodec.decode(bytes)
            #expect(decoded.width == 960 && decoded.height == 540)
            let again = try await client.send(.get, "/b/\(id)/card.png")
            #expect(Array(again.body.readableBytesView) == bytes, "the same battle gives the same bytes")
            let conditional = try await client.send(.get, "/b/\(id)/card.png", headers: [.ifNoneMatch: etag])
            #expect(conditional.status == .notModified && conditional.body.readableBytes == 0)
            #expect(try await client.send(.get, "/b/x/card.png").errorMessage == "battle id is invalid")
            #expect(try await client.send(.get, "/b/0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f/card.png").errorMessage == "battle not found")
        }
    }

    @Test func aNewReplyChangesTheCardAndItsETag() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (token, _) = try await client.signup()
            let persona = try await client.createPersona(token: token, name: "Ada")
            let room = try await client.firstRoom(token: token).id
            let id = try #require(try await client.createBattle(token: token, room: room)["battle_id"] as? String)
            let before = try await client.send(.get, "/b/\(id)/card.png")
            // A reply written by a worker (possibly another process): the version moves, so the key and ETag do.
            try await TestDatabase.open(dir).execute(
                """
                INSERT INTO replies(id, post_id, persona_id, authored_by, content, created_at, updated_at)
                VALUES ('0b7c0f5e-1d2a-4c3b-9e8f-00000000beef', ?, ?, 'AI', 'A fresh reply. With more.', '2099-01-01T00:00:00.000000Z', '2099-01-01T00:00:00.000000Z')
                """, [id, persona])
            let after = try await client.send(.get, "/b/\(id)/card.png")
            #expect(before.header("ETag") != after.header("ETag"))
            let tag = try #require(after.header("ETag"))
            #expect(tag.hasPrefix("\"battle-card-\(id)|4070908800000000000|"), "the newest updated_at in Unix nanoseconds: \(tag)")
            #expect(Array(before.body.readableBytesView) != Array(after.body.readableBytesView), "the sides and verdict change with a reply")
            let stale = try await client.send(.get, "/b/\(id)/card.png", headers: [.ifNoneMatch: before.header("ETag") ?? ""])
            #expect(stale.status == .ok, "an old ETag no longer matches")
        }
    }

    /// A persona renamed after its battle (`PUT /personas/{id}`) moves no `updated_at` of the battle, yet its name is
    /// drawn: the next card shows the new name (the bytes a cold cache renders), under a new ETag, and the share page's
    /// Open Graph description names it too.
    @Test func aPersonaRenamedAfterItsBattleIsDrawnOnTheNextCardUnderANewETag() async throws {
        let dir = TestDirectory()
        let (id, served) = try await TestApp.withRouter(runWorker: false, in: dir) { client, dir in
            let (token, _) = try await client.signup()
            let persona = try await client.createPersona(token: token, name: "Ada")
            let room = try await client.firstRoom(token: token).id
            let id = try #require(try await client.createBattle(token: token, room: room)["battle_id"] as? String)
            try await TestDatabase.open(dir).execute(
                """
                INSERT INTO replies(id, post_id, persona_id, authored_by, content, created_at, updated_at)
                VALUES ('0b7c0f5e-1d2a-4c3b-9e8f-00000000beef', ?, ?, 'AI', 'A fresh reply. With more.', '2099-01-01T00:00:00.000000Z', '2099-01-01T00:00:00.000000Z')
                """, [id, persona])
            let before = try await client.send(.get, "/b/\(id)/card.png")
            #expect(before.status == .ok)
            #expect(try await client.page("/b/\(id)").text.contains(#"<meta property="og:description" content="Ada vs"#))

            let renamed = try await client.send(
                .put, "/personas/\(persona)", token: token,
                json: TestJSON.persona(name: "Grace", extra: #","daily_draft_quota":5,"daily_reply_quota":25"#))
            #expect(renamed.status == .ok, "\(renamed.text)")
            let after = try await client.send(.get, "/b/\(id)/card.png")
            #expect(after.status == .ok)
            #expect(after.header("ETag") != before.header("ETag"))
            let redrawn = Array(after.body.readableBytesView) != Array(before.body.readableBytesView)
            #expect(redrawn, "the new name is drawn")
            let revalidated = try await client.send(.get, "/b/\(id)/card.png", headers: [.ifNoneMatch: before.header("ETag") ?? ""])
            #expect(revalidated.status == .ok, "a client holding the old card gets the new one, not a 304")
            let share = try await client.page("/b/\(id)").text
            #expect(share.contains(#"<meta property="og:description" content="Grace vs"#) && !share.contains("Ada vs"))
            return (id, Array(after.body.readableBytesView))
        }
        // A fresh process (an empty card cache) renders the same bytes: the card served after the rename was not a
        // stale render.
        try await TestApp.withRouter(runWorker: false, in: dir) { client, _ in
            let fresh = try await client.send(.get, "/b/\(id)/card.png")
            let same = Array(fresh.body.readableBytesView) == served
            #expect(same, "a cold cache draws what was served after the rename")
        }
    }

    @Test func theCacheHitsMissesAndDropsABattlesEntriesOnInvalidation() throws {
        let cache = CardCache(capacity: 2)
        #expect(cache.get("a|1") == nil)
        cache.set("a|1", [1])
        cache.set("b|1", [2])
        #expect(cache.get("a|1") == [1])
        cache.set("c|1", [3])
        #expect(cache.get("b|1") == nil, "least recently used is evicted")
        cache.invalidate(prefix: "a")
        #expect(cache.get("a|1") == nil && cache.get("c|1") == [3])
    }
}
