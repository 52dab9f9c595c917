/// Scores, merges and orders the feed's three candidate sources.
///
/// - Scores (age in fractional hours since creation, never negative):
///   followed battle `95 + (2·shares + 4·remixes) − 0.35·age`, reason `followed_persona`;
///   trending battle `70 + (3·shares + 5·remixes) − 0.25·age`, reason `trending_battle`;
///   new template `60 + 2·usage − 0.12·age`, reason `new_template`.
///   Stored scores are rounded to 2 decimals, halves away from zero.
/// - Merging: candidates are added followed → trending → templates, one item per key. A repeated key
///   keeps its first item, takes the larger shares and remixes, records the new reason, and takes the
///   new score (rounded) and reason only when the new *unrounded* score is strictly greater than the
///   stored *rounded* one — the original compares exactly that way, so we keep it.
/// - Order: score descending, then creation time descending, then item id ascending. The id
///   tie-breaker is ours (the original leaves such ties in arbitrary order); at most 50 items.
/// - Highlight: the template with the highest usage, ties to the newest, then the smallest id. It is
///   returned with `isTrending` true and its own feed item is marked the same way; no templates, no
///   highlight.
public enum FeedRanking {
    public static let followedReason = "followed_persona"
    public static let trendingReason = "trending_battle"
    public static let templateReason = "new_template"
    public static let maxItems = 50
    static let reasonRank = [followedReason: 1, trendingReason: 2, templateReason: 3]

    /// Builds the feed for one viewer at `now`.
    public static func build(
        followed: [FeedBattleCandidate], trending: [FeedBattleCandidate],
        templates: [FeedTemplateCandidate], now: Timestamp
    ) -> Feed {
        let highlight = highlightTemplate(templates)
        var merger = Merger()
        for candidate in followed {
            merger.addBattle(candidate, reason: followedReason, score: followedScore(candidate, now: now))
        }
        for candidate in trending {
            merger.addBattle(candidate, reason: trendingReason, score: trendingScore(candidate, now: now))
        }
        var highlightMarked = false
        for candidate in templates {
            var trendingFlag = false
            if let highlight, !highlightMarked,
                candidate.templateID.trimmingWhitespace() == highlight.templateID.trimmingWhitespace()
            {
                trendingFlag = true
                highlightMarked = true
            }
            merger.addTemplate(candidate, isTrending: trendingFlag, score: templateScore(candidate, now: now))
        }
        let items = merger.items.sorted(by: precedes)
        return Feed(items: Array(items.prefix(maxItems)), highlight: highlight)
    }

    /// Rounds to 2 decimals with halves away from zero: `(x·100).rounded(.toNearestOrAwayFromZero)/100`.
    ///
    /// This is the original's `math.Round(x*100)/100`, binary artefacts included. Usually the product
    /// rounds back onto the half a person expects (94.645·100 is exactly 9464.5, giving 94.65), but
    /// not always (1.005·100 is 100.4999…, giving 1.0). We keep the original's answer rather than
    /// decimal rounding, so stored scores match it bit for bit.
    public static func round2(_ x: Double) -> Double {
        (x * 100).rounded(.toNearestOrAwayFromZero) / 100
    }

    /// The battle an engagement event is credited to: `source_battle_id` when it is a non-empty
    /// string, else `battle_id` when non-empty, else none. "Non-empty" is exact (no trimming), the
    /// same test as SQL `NULLIF(x, '')`, so a query computing it agrees with this function.
    public static func battleKey(sourceBattleID: String?, battleID: String?) -> String? {
        if let source = sourceBattleID, !source.isEmpty { return source }
        if let battle = battleID, !battle.isEmpty { return battle }
        return nil
    }

    /// Fractional hours from `from` to `to`, never negative. Whole hours and the remainder are
    /// converted separately, as Go's `Duration.Hours` does, so scores match the original's.
    public static func ageHours(from: Timestamp, to: Timestamp) -> Double {
        let elapsed = to.microseconds - from.microseconds
        guard elapsed > 0 else { return 0 }
        let hour: Int64 = 3_600_000_000
        return Double(elapsed / hour) + Double(elapsed % hour) / Double(hour)
    }

    /// The unrounded followed-battle score.
    public static func followedScore(_ c: FeedBattleCandidate, now: Timestamp) -> Double {
        95 + Double(c.shares * 2 + c.remixes * 4) - ageHours(from: c.createdAt, to: now) * 0.35
    }

    /// The unrounded trending-battle score.
    public static func trendingScore(_ c: FeedBattleCandidate, now: Timestamp) -> Double {
        70 + Double(c.shares * 3 + c.remixes * 5) - ageHours(from: c.createdAt, to: now) * 0.25
    }

    /// The unrounded new-template score.
    public static func templateScore(_ c: FeedTemplateCandidate, now: Timestamp) -> Double {
        60 + Double(c.usageCount * 2) - ageHours(from: c.createdAt, to: now) * 0.12
    }

    /// The highlighted template: highest usage, then newest, then smallest id.
    public static func highlightTemplate(_ templates: [FeedTemplateCandidate]) -> FeedTemplateView? {
        let best = templates.min { a, b in
            if a.usageCount != b.usageCount { return a.usageCount > b.usageCount }
            if a.createdAt != b.createdAt { return a.createdAt > b.createdAt }
            return a.templateID < b.templateID
        }
        guard let best else { return nil }
        return view(of: best, isTrending: true)
    }

    /// Known reasons by rank, then any other reason alphabetically.
    public static func sortedReasons(_ reasons: Set<String>) -> [String] {
        reasons.sorted { a, b in
            switch (reasonRank[a], reasonRank[b]) {
            case let (ra?, rb?): return ra < rb
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
    }

    static func view(of c: FeedTemplateCandidate, isTrending: Bool) -> FeedTemplateView {
        FeedTemplateView(
            templateID: c.templateID, name: c.name, promptRules: c.promptRules.truncatedRunes(220),
            turnCount: c.turnCount, wordLimit: c.wordLimit, createdAt: c.createdAt,
            usageCount: c.usageCount, isTrending: isTrending)
    }

    /// Final order: score desc, created desc, id asc.
    static func precedes(_ a: FeedItem, _ b: FeedItem) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.createdAt != b.createdAt { return a.createdAt > b.createdAt }
        return a.id < b.id
    }

    /// Accumulates items by key in first-seen order.
    struct Merger {
        var items: [FeedItem] = []
        var indexByKey: [String: Int] = [:]
        var reasonsByKey: [String: Set<String>] = [:]

        mutating func addBattle(_ c: FeedBattleCandidate, reason: String, score: Double) {
            let id = c.battleID.trimmingWhitespace()
            guard !id.isEmpty else { return }
            let key = "battle:" + id
            if let index = indexByKey[key] {
                if var battle = items[index].battle {
                    battle.shares = max(battle.shares, c.shares)
                    battle.remixes = max(battle.remixes, c.remixes)
                    items[index].battle = battle
                }
                raise(index, reason: reason, score: score)
            } else {
                let templateID = nonBlank(c.templateID)
                let battle = FeedBattleView(
                    battleID: c.battleID, roomID: c.roomID, roomName: c.roomName,
                    personaID: nonBlank(c.personaID), personaName: nonBlank(c.personaName),
                    topic: BattleTopic.capped(c.content),
                    createdAt: c.createdAt, shares: c.shares, remixes: c.remixes,
                    templateID: templateID,
                    templateName: templateID == nil ? nil : (c.templateName ?? "").trimmingWhitespace())
                insert(FeedItem(id: key, kind: .battle, reason: reason, reasons: [], score: round2(score), battle: battle))
            }
            record(key, reason)
        }

        mutating func addTemplate(_ c: FeedTemplateCandidate, isTrending: Bool, score: Double) {
            let id = c.templateID.trimmingWhitespace()
            guard !id.isEmpty else { return }
            let key = "template:" + id
            if let index = indexByKey[key] {
                raise(index, reason: FeedRanking.templateReason, score: score)
            } else {
                insert(
                    FeedItem(
                        id: key, kind: .template, reason: FeedRanking.templateReason, reasons: [],
                        score: round2(score), template: FeedRanking.view(of: c, isTrending: isTrending)))
            }
            record(key, FeedRanking.templateReason)
        }

        /// The unrounded newcomer must beat the stored rounded score.
        private mutating func raise(_ index: Int, reason: String, score: Double) {
            if score > items[index].score {
                items[index].score = round2(score)
                items[index].reason = reason
            }
        }

        private mutating func insert(_ item: FeedItem) {
            indexByKey[item.id] = items.count
            items.append(item)
        }

        private mutating func record(_ key: String, _ reason: String) {
            reasonsByKey[key, default: []].insert(reason)
            items[indexByKey[key]!].reasons = FeedRanking.sortedReasons(reasonsByKey[key]!)
        }

        private func nonBlank(_ s: String?) -> String? {
            guard let s, !s.trimmingWhitespace().isEmpty else { return nil }
            return s
        }
    }
}
