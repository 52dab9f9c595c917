import Domain
import Testing

/// Weekly and daily digest rules: week boundaries, texts, scores, ranking and the stored JSON.
@Suite struct DigestRulesTests {
    private func at(_ text: String) -> Timestamp { Timestamp(storage: text)! }

    // MARK: Week start

    @Test func weekStartsOnMondayAcrossYearEnds() {
        // 2026-01-01 is a Thursday.
        #expect(WeeklyDigestRules.weekStart(at("2026-01-01T15:30:00Z")) == at("2025-12-29T00:00:00Z"))
        #expect(WeeklyDigestRules.weekStartDate(at("2026-01-01T15:30:00Z")) == "2025-12-29")
        // 2027-01-03 is a Sunday: it belongs to the week that began on Monday 2026-12-28.
        #expect(WeeklyDigestRules.weekStartDate(at("2027-01-03T23:59:59.999999Z")) == "2026-12-28")
        // A Monday at midnight is its own week start; one microsecond earlier is the previous week.
        #expect(WeeklyDigestRules.weekStart(at("2025-12-29T00:00:00Z")) == at("2025-12-29T00:00:00Z"))
        #expect(WeeklyDigestRules.weekStartDate(at("2025-12-28T23:59:59.999999Z")) == "2025-12-22")
        // Leap day: Sunday 2024-03-03 → Monday 2024-02-26.
        #expect(WeeklyDigestRules.weekStartDate(at("2024-03-03T12:00:00Z")) == "2024-02-26")
    }

    // MARK: Topic

    @Test func theDigestTopicIsTheBattleTopicUnderItsOwnCap() {
        #expect(WeeklyDigestRules.topic(content: "Intro line\n  TOPIC:   Remote work wins  \nTemplate: x") == "Remote work wins")
        // An empty `topic:` line is skipped in favour of the next one.
        #expect(WeeklyDigestRules.topic(content: "Topic:   \ntopic: second one\n") == "second one")
        // The digest keeps 140 runes of a topic line where the card, meta, feed and remix keep 180.
        let long = "Topic: " + String(repeating: "ü", count: 170)
        #expect(WeeklyDigestRules.topic(content: long) == String(repeating: "ü", count: 140))
        #expect(BattleTopic.capped(long) == String(repeating: "ü", count: 170))
        for content in ["Topic: Go vs Rust\nTemplate: Claim/Evidence 6 turns", "Should we ship? Maybe.", "", "Line one\r\nLine two"] {
            #expect(WeeklyDigestRules.topic(content: content) == BattleTopic.capped(content, maxRunes: 140), "\(content)")
        }
    }

    @Test func theDigestTopicFallsBackToTheFirstSentenceThenAFixedTextNeverTheRoom() {
        #expect(WeeklyDigestRules.topic(content: "Should we ship? Maybe.") == "Should we ship?")
        #expect(WeeklyDigestRules.topic(content: "  Çalışma düzeni! Sonra") == "Çalışma düzeni!")
        #expect(WeeklyDigestRules.topic(content: String(repeating: "a", count: 150)) == String(repeating: "a", count: 90))
        #expect(WeeklyDigestRules.topic(content: "  \n ") == "Battle discussion")
        #expect(WeeklyDigestRules.topic(content: "") == "Battle discussion")
    }

    // MARK: One sentence

    @Test func oneSentenceCutsAtTheFirstTerminatorFromByteTwenty() {
        #expect(
            WeeklyDigestRules.oneSentence("This is a fairly long first sentence. Second one.", max: 220)
                == "This is a fairly long first sentence.")
        // ASCII: the `.` at byte 10 is too early, so the sentence runs to the next one.
        #expect(WeeklyDigestRules.oneSentence("abcdefghij. rest of it here. More", max: 220) == "abcdefghij. rest of it here.")
        // Ten `ğ` are 10 runes but 20 bytes: the `.` sits at byte 20 and ends the sentence.
        let g10 = String(repeating: "ğ", count: 10)
        #expect(WeeklyDigestRules.oneSentence(g10 + ". Sonra devam ediyor.", max: 220) == g10 + ".")
        // Nine `ğ` put it at byte 18: too early.
        let g9 = String(repeating: "ğ", count: 9)
        #expect(WeeklyDigestRules.oneSentence(g9 + ". Sonra devam ediyor. Son", max: 220) == g9 + ". Sonra devam ediyor.")
        #expect(
            WeeklyDigestRules.oneSentence("Çok güzel! Ama neden böyle oldu? Bilmiyorum.", max: 220)
                == "Çok güzel! Ama neden böyle oldu?")
    }

    @Test func oneSentenceWithoutTerminatorGetsAFullStop() {
        #expect(WeeklyDigestRules.oneSentence("no punctuation here", max: 220) == "no punctuation here.")
        #expect(WeeklyDigestRules.oneSentence("ends with dots...", max: 220) == "ends with dots.")
        #expect(WeeklyDigestRules.oneSentence("line one\nline two\n\n  three", max: 220) == "line one line two three.")
        // Only dots and spaces are stripped, so an early `!` stays and a `.` follows it.
        #expect(WeeklyDigestRules.oneSentence("Hi!", max: 220) == "Hi!.")
        #expect(WeeklyDigestRules.oneSentence(String(repeating: "word ", count: 60), max: 20) == "word word word word.")
    }

    @Test func oneSentenceEmptyCases() {
        #expect(WeeklyDigestRules.oneSentence("", max: 220) == "")
        #expect(WeeklyDigestRules.oneSentence(" \n\t ", max: 220) == "")
        #expect(WeeklyDigestRules.oneSentence(". . ...", max: 220) == "")
    }

    @Test func oneSentenceTruncatesAFoundSentenceAndRepunctuates() {
        #expect(
            WeeklyDigestRules.oneSentence("A very long sentence that goes on and on without stopping until here.", max: 30)
                == "A very long sentence that goes.")
    }

    // MARK: Fallback summary

    @Test func fallbackSummaryTexts() {
        #expect(
            WeeklyDigestRules.fallbackSummary(topic: "Remote work wins", roomName: "Work", shares: 2, remixes: 1)
                == "Remote work wins gained traction this week with 2 shares and 1 remixes.")
        #expect(
            WeeklyDigestRules.fallbackSummary(topic: "Remote work wins", roomName: "Work", shares: 0, remixes: 3)
                == "Remote work wins gained traction this week with 0 shares and 3 remixes.")
        #expect(
            WeeklyDigestRules.fallbackSummary(topic: "Remote work wins", roomName: " Work ", shares: 0, remixes: 0)
                == "Remote work wins was one of the notable discussions in Work this week.")
        #expect(
            WeeklyDigestRules.fallbackSummary(topic: "Remote work wins", roomName: " ", shares: 0, remixes: 0)
                == "Remote work wins was one of the notable discussions this week.")
        #expect(
            WeeklyDigestRules.fallbackSummary(topic: "  ", roomName: "", shares: 0, remixes: 0)
                == "This battle was one of the notable discussions this week.")
        // The fallback goes through OneSentence too: a `.` at byte ≥ 20 inside the topic ends it.
        #expect(
            WeeklyDigestRules.fallbackSummary(topic: "The quarterly roadmap v2.0 review", roomName: "", shares: 0, remixes: 0)
                == "The quarterly roadmap v2.")
    }

    // MARK: Score and rank

    @Test func scoreAndRounding() {
        #expect(WeeklyDigestRules.score(followed: true, shares: 2, remixes: 1, ageHours: 10) == 99)
        #expect(WeeklyDigestRules.score(followed: false, shares: 0, remixes: 0, ageHours: 100) == 0)
        #expect(WeeklyDigestRules.score(followed: false, shares: 1, remixes: 0, ageHours: 95.5) == 2.5)
        #expect(WeeklyDigestRules.roundScore(0.125) == 0.13)
        #expect(WeeklyDigestRules.roundScore(12.345) == 12.35)
        #expect(WeeklyDigestRules.roundScore(1.234) == 1.23)
        #expect(WeeklyDigestRules.roundScore(99.999) == 100)
        #expect(WeeklyDigestRules.roundScore(1.005) == 1.0)
    }

    private let now = Timestamp(seconds: 1_767_225_600) // 2026-01-01T00:00:00Z

    private func candidate(
        _ id: String, ageH: Double, followed: Bool = false, shares: Int = 0, remixes: Int = 0
    )
        -> WeeklyCandidate
    {
        WeeklyCandidate(
            battleID: id, roomID: "r-\(id)", roomName: "Room", content: "Topic: \(id) matters\nTemplate: t",
            createdAt: now.adding(seconds: -ageH * 3600), followed: followed, shares: shares, remixes: remixes)
    }

    @Test func rankKeepsTheTopThreeByScoreThenNewestThenID() {
        let items = [
            candidate("w1", ageH: 10, followed: true), // 6 + 86 = 92
            candidate("w2", ageH: 20, shares: 3, remixes: 1), // 6 + 3 + 76 = 85
            candidate("w3", ageH: 4), // 92, newer than w1
            candidate("w4", ageH: 200), // 0
            candidate("w0", ageH: 10, followed: true), // 92, same time as w1, smaller id
        ]
        #expect(WeeklyDigestRules.rank(items, now: now).map(\.battleID) == ["w3", "w0", "w1"])
    }

    @Test func rankResortsTheTopThreeByRoundedScore() {
        let items = [
            candidate("x1", ageH: 47.996, shares: 1), // 2 + 48.004 = 50.004 → 50.00
            candidate("x2", ageH: 45.999), // 50.001 → 50.00, newer than x1
            candidate("x3", ageH: 86), // 10, not in the top three
            candidate("x6", ageH: 60, shares: 30), // 60 + 36 = 96, the oldest of the three but first
        ]
        #expect(WeeklyDigestRules.rank(items, now: now).map(\.battleID) == ["x6", "x2", "x1"])
    }

    @Test func itemUsesTheGeneratedSentenceOrTheFallback() {
        let c = candidate("w1", ageH: 10, followed: true, shares: 2, remixes: 1) // 6 + 4 + 3 + 86 = 99
        let generated = WeeklyDigestRules.item(
            for: c, generatedSummary: "This is the generated summary of the thread. Extra.",
            now: now)
        #expect(
            generated
                == WeeklyDigestItem(
                    battleID: "w1", roomID: "r-w1", roomName: "Room", topic: "w1 matters",
                    summary: "This is the generated summary of the thread.", score: 99,
                    createdAt: now.adding(seconds: -36_000)))
        let fallback = WeeklyDigestRules.item(for: c, generatedSummary: "  \n ", now: now)
        #expect(fallback.summary == "w1 matters gained traction this week with 2 shares and 1 remixes.")
        #expect(WeeklyDigestRules.item(for: c, generatedSummary: nil, now: now).summary == fallback.summary)
    }

    // MARK: Stored items

    @Test func itemsEncodeToTheContractShapeAndRoundTrip() {
        let items = [
            WeeklyDigestItem(
                battleID: "b1", roomID: "r1", roomName: "Ops & <Dev>", topic: "T \"q\"", summary: "S.",
                score: 92.5, createdAt: at("2026-01-01T10:00:00.25Z")),
            WeeklyDigestItem(
                battleID: "b2", roomID: "r2", roomName: "", topic: "Ünlü", summary: "Kısa.", score: 100,
                createdAt: at("2025-12-31T08:00:00Z")),
        ]
        let text = WeeklyDigestRules.encodeItems(items)
        #expect(
            text
                == #"[{"battle_id":"b1","room_id":"r1","room_name":"Ops \u0026 \u003cDev\u003e","topic":"T \"q\"","summary":"S.","score":92.5,"created_at":"2026-01-01T10:00:00.25Z"},"#
                + #"{"battle_id":"b2","room_id":"r2","room_name":"","topic":"Ünlü","summary":"Kısa.","score":100,"created_at":"2025-12-31T08:00:00Z"}]"#
        )
        #expect(WeeklyDigestRules.decodeItems(text) == items)
        #expect(WeeklyDigestRules.encodeItems([]) == "[]")
    }

    @Test func decodingGarbageGivesNoItems() {
        #expect(WeeklyDigestRules.decodeItems("").isEmpty)
        #expect(WeeklyDigestRules.decodeItems("not json").isEmpty)
        #expect(WeeklyDigestRules.decodeItems("{}").isEmpty)
        #expect(WeeklyDigestRules.decodeItems("[1, \"x\", {\"created_at\":\"yesterday\"}]").isEmpty)
        #expect(WeeklyDigestRules.decodeItems("[] trailing").isEmpty)
        let partial = WeeklyDigestRules.decodeItems(#"[7, {"battle_id":"b","created_at":"2026-01-01T00:00:00Z"}]"#)
        #expect(
            partial == [
                WeeklyDigestItem(
                    battleID: "b", roomID: "", roomName: "", topic: "", summary: "", score: 0,
                    createdAt: at("2026-01-01T00:00:00Z"))
            ])
    }

    // MARK: Daily: top threads

    @Test func topThreadsGroupOrderAndKeepThree() {
        let t = { (h: Int) in self.at("2026-01-01T\(h < 10 ? "0" : "")\(h):00:00Z") }
        let long = String(repeating: "y", count: 230)
        let events: [DailyDigestRules.ThreadEvent] = [
            .init(
                postID: "p4", metaRoomID: nil, metaPreview: nil, postRoomID: "r4", roomName: "Four", postContent: "four",
                createdAt: t(13)),
            .init(
                postID: "p1", metaRoomID: "r-meta", metaPreview: "", postRoomID: "r1", roomName: "General",
                postContent: "Post one content", createdAt: t(10)),
            .init(
                postID: "p2", metaRoomID: nil, metaPreview: nil, postRoomID: nil, roomName: nil, postContent: nil,
                createdAt: t(12)),
            .init(
                postID: "", metaRoomID: "x", metaPreview: "ignored", postRoomID: nil, roomName: nil, postContent: nil,
                createdAt: t(14)),
            .init(
                postID: "p1", metaRoomID: "r-alpha", metaPreview: "  Custom preview ", postRoomID: "r1", roomName: "General",
                postContent: "Post one content", createdAt: t(11)),
            .init(
                postID: "p3", metaRoomID: nil, metaPreview: " ", postRoomID: "r3", roomName: "Three", postContent: long,
                createdAt: t(13)),
            .init(
                postID: "p2", metaRoomID: nil, metaPreview: nil, postRoomID: nil, roomName: nil, postContent: nil,
                createdAt: t(8)),
            .init(
                postID: "p1", metaRoomID: nil, metaPreview: nil, postRoomID: "r1", roomName: "General",
                postContent: "Post one content", createdAt: t(9)),
            .init(
                postID: "p2", metaRoomID: nil, metaPreview: nil, postRoomID: nil, roomName: nil, postContent: nil,
                createdAt: t(7)),
        ]
        let threads = DailyDigestRules.topThreads(from: events)
        #expect(
            threads == [
                // Three events each; p2's newest (12:00) beats p1's (11:00).
                DigestThread(postID: "p2", roomID: nil, roomName: nil, postPreview: nil, activityCount: 3, lastActivityAt: t(12)),
                // Metadata room ids disagree: "r-meta" > "r-alpha" bytewise. The non-empty metadata preview wins.
                DigestThread(
                    postID: "p1", roomID: "r-meta", roomName: "General", postPreview: "Custom preview",
                    activityCount: 3, lastActivityAt: t(11)),
                // p3 and p4 tie on count and time; p3 has the smaller id, p4 falls off the top three.
                DigestThread(
                    postID: "p3", roomID: "r3", roomName: "Three", postPreview: String(repeating: "y", count: 220),
                    activityCount: 1, lastActivityAt: t(13)),
            ])
    }

    @Test func topThreadsOfNothingIsEmpty() {
        #expect(DailyDigestRules.topThreads(from: []).isEmpty)
    }

    // MARK: Daily: texts

    @Test func noActivityTextsByLanguage() {
        let en = "No activity yet today. New posts and replies will show up here as they happen."
        let tr = "Bugün henüz yeni aktivite yok. Yeni gönderiler ve yanıtlar olduğunda burada özetlenecek."
        #expect(DailyDigestRules.noActivityText(language: "en") == en)
        #expect(DailyDigestRules.noActivityText(language: "") == en)
        #expect(DailyDigestRules.noActivityText(language: "de") == en)
        #expect(DailyDigestRules.noActivityText(language: " TR ") == tr)
        #expect(DailyDigestRules.readPlaceholder == "No activity yet today. Once the persona posts or replies, this digest will update.")
    }

    @Test func fallbackSummariesByLanguage() {
        let last = at("2026-01-01T10:00:00Z")
        let activity = PersonaDayActivity(
            posts: 2, replies: 5,
            threads: [
                DigestThread(postID: "p1", roomID: "r1", roomName: " General ", postPreview: nil, activityCount: 3, lastActivityAt: last),
                DigestThread(postID: "p2", roomID: nil, roomName: nil, postPreview: nil, activityCount: 2, lastActivityAt: last),
            ])
        #expect(
            DailyDigestRules.fallbackSummary(activity: activity, language: "en")
                == "Today there were 2 posts and 5 replies. The most active threads were: General (3 events), thread (2 events).")
        #expect(
            DailyDigestRules.fallbackSummary(activity: activity, language: "tr")
                == "Bugün 2 gönderi ve 5 yanıt üretildi. Öne çıkan tartışmalar: General (3 events), thread (2 events).")
        #expect(
            DailyDigestRules.fallbackSummary(activity: PersonaDayActivity(posts: 0, replies: 1), language: "en")
                == "Today there were 0 posts and 1 replies. The most active threads were: no standout threads.")
        // Threads alone do not count for the fallback: no posts and no replies give the idle text.
        #expect(
            DailyDigestRules.fallbackSummary(activity: PersonaDayActivity(threads: activity.threads), language: "tr")
                == "Bugün henüz yeni aktivite yok. Yeni gönderiler ve yanıtlar olduğunda burada özetlenecek.")
    }

    @Test func activityAndDisplayedSummary() {
        let thread = DigestThread(
            postID: "p", roomID: nil, roomName: nil, postPreview: nil, activityCount: 1,
            lastActivityAt: at("2026-01-01T10:00:00Z"))
        #expect(DailyDigestRules.hasActivity(PersonaDayActivity()) == false)
        #expect(DailyDigestRules.hasActivity(PersonaDayActivity(posts: 1)) == true)
        #expect(DailyDigestRules.hasActivity(PersonaDayActivity(replies: 1)) == true)
        #expect(DailyDigestRules.hasActivity(PersonaDayActivity(threads: [thread])) == true)
        let placeholder = "No activity yet today. Once the persona posts or replies, this digest will update."
        #expect(DailyDigestRules.displaySummary(stored: "  ", activity: PersonaDayActivity()) == placeholder)
        #expect(DailyDigestRules.displaySummary(stored: "  ", activity: PersonaDayActivity(posts: 1)) == "  ")
        #expect(DailyDigestRules.displaySummary(stored: "Stored.", activity: PersonaDayActivity()) == "Stored.")
    }

    // MARK: Daily: stats JSON

    @Test func statsJSONOmitsEmptyOptionalFieldsAndRoundTrips() {
        let activity = PersonaDayActivity(
            posts: 2, replies: 1,
            threads: [
                DigestThread(
                    postID: "p1", roomID: "r1", roomName: "", postPreview: nil, activityCount: 3,
                    lastActivityAt: at("2026-01-01T11:00:00Z")),
                DigestThread(
                    postID: "p2", roomID: "r2", roomName: "Genel", postPreview: "Ön <izleme>", activityCount: 1,
                    lastActivityAt: at("2026-01-01T09:30:00.5Z")),
            ])
        let text = DailyDigestRules.encodeStats(activity)
        #expect(
            text
                == #"{"posts":2,"replies":1,"top_threads":[{"post_id":"p1","room_id":"r1","activity_count":3,"last_activity_at":"2026-01-01T11:00:00Z"},"#
                + #"{"post_id":"p2","room_id":"r2","room_name":"Genel","post_preview":"Ön \u003cizleme\u003e","activity_count":1,"last_activity_at":"2026-01-01T09:30:00.5Z"}]}"#
        )
        #expect(DailyDigestRules.decodeStats(text) == activity)
        #expect(DailyDigestRules.encodeStats(PersonaDayActivity()) == #"{"posts":0,"replies":0,"top_threads":[]}"#)
    }

    @Test func statsDecodingIsTolerant() {
        #expect(DailyDigestRules.decodeStats(#"{"posts":4,"replies":0}"#) == PersonaDayActivity(posts: 4, replies: 0, threads: []))
        #expect(DailyDigestRules.decodeStats("garbage") == PersonaDayActivity())
        #expect(DailyDigestRules.decodeStats("") == PersonaDayActivity())
        #expect(DailyDigestRules.decodeStats("[1]") == PersonaDayActivity())
        let skipped = DailyDigestRules.decodeStats(
            #"{"posts":1,"replies":2,"top_threads":[{"room_id":"r"},{"post_id":"p","room_id":"","activity_count":2,"last_activity_at":"2026-01-01T00:00:00Z"}]}"#
        )
        #expect(
            skipped
                == PersonaDayActivity(
                    posts: 1, replies: 2,
                    threads: [
                        DigestThread(
                            postID: "p", roomID: nil, roomName: nil, postPreview: nil, activityCount: 2,
                            lastActivityAt: at("2026-01-01T00:00:00Z"))
                    ]))
    }
}
