import Domain
import Testing

/// Feed scoring, merging, ordering and the highlighted template, on a hand-computed dataset.
@Suite struct FeedRankingTests {
    /// 2026-01-01T00:00:00Z.
    let now = Timestamp(seconds: 1_767_225_600)

    private func hoursAgo(_ h: Double) -> Timestamp { now.adding(seconds: -h * 3600) }

    private func battle(
        _ id: String, ageH: Double, shares: Int = 0, remixes: Int = 0, persona: String? = nil,
        content: String = "A battle.", room: String = "Room", template: (String, String)? = nil
    )
        -> FeedBattleCandidate
    {
        FeedBattleCandidate(
            battleID: id, roomID: "room-\(id)", roomName: room, personaID: persona.map { "pid-\($0)" },
            personaName: persona, content: content, createdAt: hoursAgo(ageH),
            templateID: template?.0, templateName: template?.1, shares: shares, remixes: remixes)
    }

    private func template(_ id: String, ageH: Double, usage: Int, rules: String = "Be brief.") -> FeedTemplateCandidate {
        FeedTemplateCandidate(
            templateID: id, name: "Template \(id)", promptRules: rules, turnCount: 2, wordLimit: 120,
            createdAt: hoursAgo(ageH), usageCount: usage)
    }

    private var dataset: (followed: [FeedBattleCandidate], trending: [FeedBattleCandidate], templates: [FeedTemplateCandidate]) {
        let followed = [
            // 95 + (2·2 + 4·1) − 0.35·10 = 99.5
            battle("b1", ageH: 10, shares: 2, remixes: 1, persona: "Ada"),
            // 95 − 0.35·100 = 60
            battle("b2", ageH: 100, persona: "Ada"),
            // 95 + 2 − 0.35·239.99 = 13.0035 → 13.00
            battle("b3", ageH: 239.99, shares: 1, persona: "Ada"),
            // created in the future: age 0; 95 + 40 + 20 = 155
            battle("b4", ageH: -1, shares: 20, remixes: 5, persona: "Ada"),
        ]
        let trending = [
            // 70 + 3·3 − 0.25·8 = 77
            battle("b9", ageH: 8, shares: 3),
            // 70 + 5·2 − 0.25·12 = 77
            battle("b6", ageH: 12, remixes: 2),
            // 70 + (6 + 5) − 2.5 = 78.5 < 99.5: keeps the followed score
            battle("b1", ageH: 10, shares: 2, remixes: 1, persona: "Ada"),
            battle("b8", ageH: 8, shares: 3),
            // 70 + 30 + 20 − 25 = 95 > 60: takes over score and reason; engagement is the max
            battle("b2", ageH: 100, shares: 10, remixes: 4, persona: "Ada"),
            // 70 + 3 − 0.25·239.99 = 13.0025: below b3's unrounded 13.0035 but above its rounded 13.00
            battle("b3", ageH: 239.99, shares: 1, persona: "Ada"),
            battle("b7", ageH: 8, shares: 3),
            // 70 + 60 + 25 = 155, equal (not greater): keeps followed_persona
            battle("b4", ageH: -1, shares: 20, remixes: 5, persona: "Ada"),
            // 70 + 3 − 0.5 = 72.5
            battle(
                "b5", ageH: 2, shares: 1, content: "Should we ship fast? Details follow.", room: "Product",
                template: ("tpl-1", "  Quick Take ")),
        ]
        let templates = [
            // 60 + 10 − 0.12·24 = 67.12
            template("t1", ageH: 24, usage: 5),
            // 60 + 10 − 0.12 = 69.88; same usage as t1 but newer → highlight
            template("t2", ageH: 1, usage: 5, rules: "  " + String(repeating: "x", count: 230)),
            // 60 + 2 = 62
            template("t3", ageH: 0, usage: 1),
        ]
        return (followed, trending, templates)
    }

    @Test func orderScoresAndReasonsMatchTheHandComputedFeed() {
        let d = dataset
        let feed = FeedRanking.build(followed: d.followed, trending: d.trending, templates: d.templates, now: now)
        #expect(
            feed.items.map(\.id) == [
                "battle:b4", "battle:b1", "battle:b2", "battle:b7", "battle:b8", "battle:b9", "battle:b6", "battle:b5",
                "template:t2", "template:t1", "template:t3", "battle:b3",
            ])
        #expect(feed.items.map(\.score) == [155, 99.5, 95, 77, 77, 77, 77, 72.5, 69.88, 67.12, 62, 13])
        #expect(
            feed.items.map(\.reason) == [
                "followed_persona", "followed_persona", "trending_battle", "trending_battle", "trending_battle",
                "trending_battle", "trending_battle", "trending_battle", "new_template", "new_template", "new_template",
                "trending_battle",
            ])
        let both = ["followed_persona", "trending_battle"]
        #expect(
            feed.items.map(\.reasons) == [
                both, both, both, ["trending_battle"], ["trending_battle"], ["trending_battle"],
                ["trending_battle"], ["trending_battle"], ["new_template"], ["new_template"],
                ["new_template"], both,
            ])
        #expect(feed.items.map(\.kind) == Array(repeating: .battle, count: 8) + Array(repeating: .template, count: 3) + [.battle])
    }

    @Test func followedPostWithEngagementAppearsOnceWithBothReasons() {
        let d = dataset
        let feed = FeedRanking.build(followed: d.followed, trending: d.trending, templates: d.templates, now: now)
        let b1 = feed.items.filter { $0.id == "battle:b1" }
        #expect(b1.count == 1)
        #expect(b1.first?.reasons == ["followed_persona", "trending_battle"])
        #expect(b1.first?.battle?.shares == 2)
        #expect(b1.first?.battle?.remixes == 1)
        #expect(b1.first?.battle?.personaName == "Ada")
    }

    @Test func repeatedBattleTakesMaxEngagementAndTheHigherScore() {
        let d = dataset
        let feed = FeedRanking.build(followed: d.followed, trending: d.trending, templates: d.templates, now: now)
        let b2 = feed.items.first { $0.id == "battle:b2" }
        #expect(b2?.score == 95)
        #expect(b2?.reason == "trending_battle")
        #expect(b2?.battle?.shares == 10)
        #expect(b2?.battle?.remixes == 4)
    }

    @Test func battleViewCarriesTopicTemplateAndOptionalFields() {
        let d = dataset
        let feed = FeedRanking.build(followed: d.followed, trending: d.trending, templates: d.templates, now: now)
        let b5 = feed.items.first { $0.id == "battle:b5" }?.battle
        #expect(
            b5
                == FeedBattleView(
                    battleID: "b5", roomID: "room-b5", roomName: "Product", personaID: nil, personaName: nil,
                    topic: "Should we ship fast?", createdAt: hoursAgo(2), shares: 1, remixes: 0,
                    templateID: "tpl-1", templateName: "Quick Take"))
        let b7 = feed.items.first { $0.id == "battle:b7" }?.battle
        #expect(b7?.templateID == nil)
        #expect(b7?.templateName == nil)
        #expect(b7?.topic == "A battle.", "the topic carries no room (DECISIONS 27)")
    }

    @Test func highlightIsTheMostUsedNewestTemplateAndOnlyItsItemIsTrending() {
        let d = dataset
        let feed = FeedRanking.build(followed: d.followed, trending: d.trending, templates: d.templates, now: now)
        let rules220 = String(repeating: "x", count: 220)
        #expect(
            feed.highlight
                == FeedTemplateView(
                    templateID: "t2", name: "Template t2", promptRules: rules220, turnCount: 2,
                    wordLimit: 120, createdAt: hoursAgo(1), usageCount: 5, isTrending: true))
        let flags = feed.items.compactMap { item in item.template.map { (item.id, $0.isTrending) } }
        #expect(flags.map(\.0) == ["template:t2", "template:t1", "template:t3"])
        #expect(flags.map(\.1) == [true, false, false])
        #expect(feed.items.first { $0.id == "template:t2" }?.template?.promptRules == rules220)
    }

    @Test func highlightTiesOnUsageAndAgeGoToTheSmallestID() {
        let same = [template("tz", ageH: 3, usage: 2), template("ta", ageH: 3, usage: 2), template("old", ageH: 9, usage: 7)]
        #expect(FeedRanking.highlightTemplate(same)?.templateID == "old")
        #expect(FeedRanking.highlightTemplate(Array(same.prefix(2)))?.templateID == "ta")
    }

    @Test func noTemplatesMeansNoHighlightAndTheFeedKeepsFiftyItems() {
        var trending: [FeedBattleCandidate] = []
        for i in 1...60 { trending.append(battle("c\(i)", ageH: 0, shares: i)) }
        let feed = FeedRanking.build(followed: [], trending: trending, templates: [], now: now)
        #expect(feed.highlight == nil)
        #expect(feed.items.count == 50)
        // 70 + 3·i: c60 scores 250, and the 50th kept is c11 at 103.
        #expect(feed.items.first?.id == "battle:c60")
        #expect(feed.items.first?.score == 250)
        #expect(feed.items.last?.id == "battle:c11")
        #expect(feed.items.last?.score == 103)
    }

    @Test func emptySourcesGiveAnEmptyFeed() {
        let feed = FeedRanking.build(followed: [], trending: [], templates: [], now: now)
        #expect(feed.items.isEmpty)
        #expect(feed.highlight == nil)
    }

    @Test func blankBattleIDsAreSkipped() {
        let feed = FeedRanking.build(followed: [battle("  ", ageH: 1)], trending: [], templates: [], now: now)
        #expect(feed.items.isEmpty)
    }

    @Test func roundingIsHalfAwayFromZeroOnTheBinaryProduct() {
        #expect(FeedRanking.round2(0.125) == 0.13)
        #expect(FeedRanking.round2(-0.125) == -0.13)
        #expect(FeedRanking.round2(94.645) == 94.65)
        #expect(FeedRanking.round2(2.675) == 2.68)
        #expect(FeedRanking.round2(1.005) == 1.0)
        #expect(FeedRanking.round2(13.0035) == 13.0)
        #expect(FeedRanking.round2(69.88) == 69.88)
    }

    @Test func ageIsFractionalHoursAndNeverNegative() {
        #expect(FeedRanking.ageHours(from: hoursAgo(1.5), to: now) == 1.5)
        #expect(FeedRanking.ageHours(from: now.adding(seconds: 60), to: now) == 0)
        #expect(FeedRanking.ageHours(from: now.adding(microseconds: -36_000_000), to: now) == 0.01)
    }

    @Test func engagementKeyPrefersTheSourceBattle() {
        #expect(FeedRanking.battleKey(sourceBattleID: "src", battleID: "b") == "src")
        #expect(FeedRanking.battleKey(sourceBattleID: "", battleID: "b") == "b")
        #expect(FeedRanking.battleKey(sourceBattleID: nil, battleID: "b") == "b")
        #expect(FeedRanking.battleKey(sourceBattleID: "", battleID: "") == nil)
        #expect(FeedRanking.battleKey(sourceBattleID: nil, battleID: nil) == nil)
        // Non-empty is exact, as SQL NULLIF(x, '') tests it.
        #expect(FeedRanking.battleKey(sourceBattleID: " ", battleID: "b") == " ")
    }

    @Test func reasonsSortByRankThenAlphabetically() {
        #expect(
            FeedRanking.sortedReasons(["zeta", "new_template", "alpha", "followed_persona", "trending_battle"])
                == ["followed_persona", "trending_battle", "new_template", "alpha", "zeta"])
    }
}
