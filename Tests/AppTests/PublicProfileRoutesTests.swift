import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import App

/// `/p/{slug}`, `/p/{slug}/posts` and `/p/{slug}/follow`.
@Suite struct PublicProfileRoutesTests {
    /// A user with a published persona and `posts` published posts at distinct times.
    static func profile(
        _ client: any TestClientProtocol, dir: TestDirectory, posts: Int
    ) async throws -> (token: String, persona: String, slug: String) {
        let (token, _) = try await client.signup()
        let persona = try await client.createPersona(token: token, name: "Ada Public")
        let slug = try await client.publishProfile(token: token, persona: persona, slug: "Ada Public")
        let room = try await client.firstRoom(token: token).id
        let database = try await TestDatabase.open(dir)
        let owner = try #require(try await database.string("SELECT user_id FROM personas WHERE id = ?", [persona]))
        for n in 0..<posts {
            // Two posts share each timestamp, so the id tie-breaker is exercised too.
            let ts = String(format: "2026-01-01T00:%02d:00.000000Z", n / 2)
            let id = String(format: "%08lx-0000-4000-8000-%012ld", Int(persona.prefix(6), radix: 16) ?? 0, n)
            try await database.execute(
                """
                INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'AI_DRAFT_APPROVED', 'PUBLISHED', ?, ?, ?, ?)
                """, [id, room, persona, owner, "Post \(n).", ts, ts, ts])
        }
        try await database.execute(
            """
            INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, created_at, updated_at)
            VALUES ('0b7c0f5e-1d2a-4c3b-9e8f-00000000d0af', ?, ?, ?, 'AI', 'DRAFT', 'a draft', '2027-01-01T00:00:00.000000Z', '2027-01-01T00:00:00.000000Z')
            """, [room, persona, owner])
        return (token, persona, slug)
    }

    @Test func profilePageShowsPublicFieldsBadgesAndTheFirstPage() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (_, persona, slug) = try await Self.profile(client, dir: dir, posts: 12)
            #expect(slug == "ada-public")
            let page = try await client.send(.get, "/p/ADA%20Public")
            #expect(page.status == .ok)
            let body = try #require(page.jsonObject)
            let profile = try #require(body["profile"] as? [String: Any])
            #expect(profile["persona_id"] as? String == persona)
            #expect(profile["slug"] as? String == "ada-public")
            #expect(profile["is_public"] as? Bool == true)
            #expect(profile["posts_count"] as? Int == 12, "drafts do not count")
            #expect(profile["followers"] as? Int == 0)
            #expect(profile["badges"] as? [String] == ["Public Persona", "EN", "Tone: calm", "Formal"])
            #expect(profile["bio"] as? String == "A bio")
            let latest = try #require(body["latest_posts"] as? [[String: Any]])
            #expect(latest.count == 10)
            #expect(
                latest.map { $0["content"] as? String ?? "" } == (2..<12).reversed().map { "Post \($0)." },
                "newest first; equal times fall back to id descending")
            #expect(Set(latest.first!.keys) == ["id", "room_id", "room_name", "authored_by", "content", "created_at"])
            #expect(!(body["next_cursor"] as? String ?? "").isEmpty)
            #expect((body["top_rooms"] as? [[String: Any]])?.first?["post_count"] as? Int == 12)
            #expect(try await client.send(.get, "/p/\(slug)/").status == .ok, "the trailing-slash form serves the same")
            #expect(try await client.send(.get, "/p/nobody").errorMessage == "public profile not found")
            #expect(try await client.send(.get, "/p/%21%21").errorMessage == "public profile not found", "a slug that normalises to nothing")
        }
    }

    @Test func cursorPaginationWalksEveryPostOnceIncludingAnExactlyFullLastPage() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (_, _, slug) = try await Self.profile(client, dir: dir, posts: 20)
            var seen: [String] = []
            var cursor = try #require(try await client.send(.get, "/p/\(slug)").jsonObject?["next_cursor"] as? String)
            for post in (try await client.send(.get, "/p/\(slug)").jsonObject?["latest_posts"] as? [[String: Any]]) ?? [] {
                seen.append(post["content"] as? String ?? "")
            }
            var pages = 0
            while !cursor.isEmpty {
                let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let page = try await client.send(.get, "/p/\(slug)/posts?cursor=\(encoded)")
                #expect(page.status == .ok)
                let posts = page.jsonObject?["posts"] as? [[String: Any]] ?? []
                seen += posts.map { $0["content"] as? String ?? "" }
                cursor = page.jsonObject?["next_cursor"] as? String ?? ""
                pages += 1
                if pages > 5 { break }
            }
            #expect(pages == 2, "page 2 holds exactly 10, so it carries a cursor to an empty third page")
            #expect(seen.count == 20 && Set(seen).count == 20)
            #expect(seen == (0..<20).reversed().map { "Post \($0)." })
            for extreme in [
                "-9223372036854775808|aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "9223372036854775807|aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
                "0|aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
            ] {
                let r = try await client.send(
                    .get, "/p/\(slug)/posts?cursor=\(extreme.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
                #expect(r.status == .ok, "an extreme but well-formed cursor is a page, never a crash: \(extreme)")
            }
            for bad in ["nope", "12|short", "abc|0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f", "99999999999999999999|aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"] {
                let r = try await client.send(.get, "/p/\(slug)/posts?cursor=\(bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
                #expect(r.status == .badRequest && r.errorMessage == "invalid cursor", "\(bad)")
            }
        }
    }

    @Test func followRequiresSignupIsIdempotentAndRefusesOnesOwnPersona() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (owner, _, slug) = try await Self.profile(client, dir: dir, posts: 1)
            let anonymous = try await client.send(.post, "/p/\(slug)/follow")
            #expect(anonymous.status == .unauthorized && anonymous.errorMessage == "signup_required")
            let stale = try await client.send(.post, "/p/\(slug)/follow", headers: [.authorization: "Bearer not.a.token"])
            #expect(stale.errorMessage == "signup_required", "an invalid token is anonymous, never a different error")
            #expect(try await client.send(.post, "/p/\(slug)/follow", token: owner).errorMessage == "cannot follow your own persona")
            #expect(try await client.send(.post, "/p/missing/follow").errorMessage == "public profile not found")
            let (fan, _) = try await client.signup()
            let first = try await client.send(.post, "/p/\(slug)/follow", token: fan, json: "not json at all")
            #expect(first.status == .ok, "the body is ignored")
            #expect(first.jsonObject?["followed"] as? Bool == true && first.jsonObject?["followers"] as? Int == 1)
            let again = try await client.send(.post, "/p/\(slug)/follow", token: fan)
            #expect(again.jsonObject?["followed"] as? Bool == false && again.jsonObject?["followers"] as? Int == 1)
            let notices = try await TestDatabase.open(dir).rows("SELECT type, title FROM notifications")
            #expect(notices.count == 1, "a repeat follow sends nothing")
            #expect(notices.first?["type"] == "persona_followed")
            #expect(try await client.send(.get, "/p/\(slug)").jsonObject.flatMap { ($0["profile"] as? [String: Any])?["followers"] as? Int } == 1)
        }
    }

    @Test func publicResponsesAreTheSameForEveryViewerSoSharedCachesAreSafe() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (owner, _, slug) = try await Self.profile(client, dir: dir, posts: 3)
            let anonymous = try await client.send(.get, "/p/\(slug)")
            let asOwner = try await client.send(.get, "/p/\(slug)", token: owner)
            #expect(anonymous.text == asOwner.text)
            #expect(anonymous.header("ETag") == asOwner.header("ETag"))
            let etag = try #require(anonymous.header("ETag"))
            #expect(try await client.send(.get, "/p/\(slug)", headers: [.ifNoneMatch: "\"other\", \(etag)"]).status == .notModified)
            #expect(try await client.send(.get, "/p/\(slug)/posts", headers: [.ifNoneMatch: "*"]).status == .notModified)
            // Events are written in the background: wait for the row, however long a loaded machine takes.
            let database = try await TestDatabase.open(dir)
            let attributed = try await eventually {
                try await database.int(
                    "SELECT COUNT(*) FROM events WHERE event_name = 'public_profile_viewed' AND user_id IS NOT NULL") ?? 0 >= 1
            }
            #expect(attributed, "the viewer is used for attribution only")
        }
    }

    @Test func profilePagesAreMicroCachedButThisProcesssChangesShowAtOnce() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (owner, persona, slug) = try await Self.profile(client, dir: dir, posts: 1)
            func profile() async throws -> [String: Any] {
                try #require(try await client.send(.get, "/p/\(slug)").jsonObject?["profile"] as? [String: Any])
            }
            #expect(try await profile()["followers"] as? Int == 0)
            let (fan, _) = try await client.signup()
            _ = try await client.send(.post, "/p/\(slug)/follow", token: fan)
            #expect(try await profile()["followers"] as? Int == 1, "a follow clears the cached page")
            #expect(
                try await client.send(
                    .put, "/personas/\(persona)", token: owner,
                    json: TestJSON.persona(name: "Renamed", extra: #","daily_draft_quota":5,"daily_reply_quota":25"#)
                ).status == .ok)
            let cachedFrom = Monotonic.nanos()
            #expect(try await profile()["name"] as? String == "Renamed", "a persona edit clears the cached page")
            // Another process's change (here: a direct write) shows once the one-second entry expires.
            // (TestDatabase waits for the write lock: the app's event writer may hold it for a moment on a loaded machine.)
            try await TestDatabase.open(dir).execute("UPDATE personas SET name = 'Changed elsewhere' WHERE id = ?", [persona])
            let stale = try await profile()["name"] as? String
            // Only while the entry is surely fresh: a loaded machine may take longer than the TTL to get here, and that
            // must skip this check, not fail it. PublicPageCacheTests checks the expiry exactly, on a hand-moved clock.
            if Double(Monotonic.nanos() - cachedFrom) / 1e9 < PublicPageCache.defaultTTL {
                #expect(stale == "Renamed", "within the TTL the cached page is served")
            }
            #expect(try await eventually { try await profile()["name"] as? String == "Changed elsewhere" })
        }
    }
}
