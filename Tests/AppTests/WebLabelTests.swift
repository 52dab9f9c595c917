import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import App

/// Pages speak to people: reasons and counts in words, never the API's codes; one topic on every surface.
@Suite struct WebLabelTests {
    static let now = Timestamp(seconds: 1_800_000_000)

    static func template(usage: Int, turns: Int = 6) -> FeedTemplateView {
        FeedTemplateView(
            templateID: "t1", name: "Quick fire", promptRules: "Short.", turnCount: turns, wordLimit: 80, createdAt: now,
            usageCount: usage, isTrending: false)
    }

    static func battle(shares: Int, remixes: Int) -> FeedBattleView {
        FeedBattleView(
            battleID: "b1", roomID: "r1", roomName: "go-backend", personaID: "p1", personaName: "Ada", topic: "Go vs Rust",
            createdAt: now, shares: shares, remixes: remixes, templateID: nil, templateName: nil)
    }

    @Test func feedReasonsAreWordsForPeopleAndTheJSONKeepsTheCodes() {
        #expect(FeedPage.reasonLabel(FeedRanking.followedReason) == "From a persona you follow")
        #expect(FeedPage.reasonLabel(FeedRanking.trendingReason) == "Trending")
        #expect(FeedPage.reasonLabel(FeedRanking.templateReason) == "New template")
        #expect(FeedPage.reasonLabel("something_new") == "Suggested for you")
        let item = FeedItem(
            id: "template:t1", kind: .template, reason: FeedRanking.templateReason, reasons: [], score: 1, template: Self.template(usage: 1))
        #expect(FeedItemDTO(item).reason == "new_template", "the API keeps the contract's code")
    }

    @Test func feedCountsArePluralisedRight() {
        func templateMeta(_ usage: Int) -> String {
            FeedPage.item(
                FeedItemDTO(FeedItem(id: "t", kind: .template, reason: "new_template", reasons: [], score: 1, template: Self.template(usage: usage)))
            ).meta
        }
        #expect(templateMeta(1) == "6 turns · used 1 time")
        #expect(templateMeta(2) == "6 turns · used 2 times")
        #expect(templateMeta(0) == "6 turns · used 0 times")
        func battleMeta(_ shares: Int, _ remixes: Int) -> String {
            FeedPage.item(
                FeedItemDTO(
                    FeedItem(
                        id: "b", kind: .battle, reason: "trending_battle", reasons: [], score: 1,
                        battle: Self.battle(shares: shares, remixes: remixes)))
            ).meta
        }
        #expect(battleMeta(1, 1) == "go-backend · Ada · 1 share · 1 remix")
        #expect(battleMeta(2, 3) == "go-backend · Ada · 2 shares · 3 remixes")
        #expect(FeedPage.highlight(FeedTemplateDTO(Self.template(usage: 1)))?.usage == "used in 1 battle")
        #expect(ThreadPage.queuedNotice(enqueued: 1, skipped: 0) == "Writing 1 reply…")
        #expect(ThreadPage.queuedNotice(enqueued: 3, skipped: 0) == "Writing 3 replies…")
    }

    @Test func theFeedPageShowsNoInternalCodes() async throws {
        try await TestApp.withRouter(["FEED_CACHE_TTL": "0s"], runWorker: false) { client, _ in
            let author = try await client.signup()
            let persona = try await client.createPersona(token: author.token, name: "Followed")
            let slug = try await client.publishProfile(token: author.token, persona: persona, slug: "followed")
            let room = try await client.firstRoom(token: author.token)
            let post = try #require(
                try await client.send(.post, "/rooms/\(room.id)/posts/draft", token: author.token, json: #"{"persona_id":"\#(persona)"}"#)
                    .jsonObject?["id"] as? String)
            _ = try await client.send(.post, "/posts/\(post)/approve", token: author.token, json: #"{"content":"Tabs beat spaces. Fight me."}"#)
            _ = try await client.send(.post, "/events", json: #"{"event_name":"battle_shared","metadata":{"battle_id":"\#(post)"}}"#)
            let reader = try await BrowserSession.signup(client)
            _ = try await client.send(.post, "/p/\(slug)/follow", headers: reader.headers())
            let page = try await client.page("/app/feed", cookie: reader.cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains("<span class=\"tag\">From a persona you follow</span>"))
            #expect(page.text.contains("\(room.name) · Followed · 1 share · 0 remixes"))
            #expect(page.text.contains(">Tabs beat spaces.</a>"))
            for code in ["followed_persona", "trending_battle", "new_template", "1 shares", "1 remixes"] {
                #expect(!page.text.contains(code), "\(code) on the feed page")
            }
            let profile = try await client.page("/p/\(slug)", cookie: reader.cookie)
            #expect(profile.text.contains("<span data-followers>1 follower</span> · 1 post"))
        }
    }

    @Test func theBattlePageTitleAndShareTagsAreTheTypedTopicWithoutTheRoom() async throws {
        try await TestApp.withRouter(["FRONTEND_ORIGIN": "https://pw.example"], runWorker: false) { client, _ in
            let owner = try await client.signup()
            let room = try await client.firstRoom(token: owner.token)
            let battle = try #require(try await client.createBattle(token: owner.token, room: room.id)["battle_id"] as? String)
            let page = try await client.page("/b/\(battle)").text
            #expect(page.contains("<title>Go vs Rust for services · PersonaWorlds</title>"))
            #expect(page.contains("<meta property=\"og:title\" content=\"Go vs Rust for services\">"))
            #expect(page.contains("<meta name=\"twitter:title\" content=\"Go vs Rust for services\">"))
            #expect(page.contains("<h1>Go vs Rust for services</h1>"))
            #expect(page.contains("Battle in \(room.name)"), "the room is its own line")
            #expect(!page.contains("(\(room.name))"))
            let head = String(page[..<(page.range(of: "</h1>")?.upperBound ?? page.endIndex)])
            #expect(!head.contains("Topic:"), "no prefix in the title, the share tags or the heading")
            let browser = try await BrowserSession.signup(client)
            _ = try await client.send(.post, "/personas", json: TestJSON.persona(name: "One"), headers: browser.headers())
            _ = try await client.send(.post, "/personas", json: TestJSON.persona(name: "Two"), headers: browser.headers())
            let remix = try await client.page("/app/battles/new?remix=\(battle)", cookie: browser.cookie).text
            #expect(remix.contains("value=\"Go vs Rust for services\""), "the remix form is prefilled with the topic alone")
        }
    }
}
