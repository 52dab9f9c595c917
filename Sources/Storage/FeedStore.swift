import Domain

/// The feed's candidate reads.
public protocol FeedStore: Sendable {
    /// Shares and remixes since `since` of each battle with any, the most engaged first (`limit` of them).
    func trendingPool(since: Timestamp, limit: Int) async throws -> [TrendingBattle]
    /// The newest published posts of personas the user follows, with their engagement since `since`, and the newest
    /// public templates with their use since `templatesSince`.
    func feedCandidates(userID: String, engagementSince since: Timestamp, templatesSince: Timestamp) async throws -> FeedInputs
    /// The user's own newest battles (published posts without a persona), for the feed page.
    func ownBattles(userID: String, limit: Int) async throws -> [FeedBattleCandidate]
}
