import Domain
import Foundation
import Storage
import Synchronization

/// The personalised feed: followed battles, trending battles and new templates, ranked by the feed rules.
///
/// Each user's feed is cached for `FEED_CACHE_TTL`. The trending pool is the same for every viewer (only a
/// viewer's own battles are removed from it), so it is computed once per TTL for everyone; a cold feed is then
/// the viewer's follows and the template list, both small indexed reads.
final class FeedService: Sendable {
    private let store: any FeedStore
    private let clock: any AppClock
    private let ttl: Double
    private let feeds = Mutex<[String: (feed: Feed, expires: Timestamp)]>([:])
    private let pool = Mutex<PoolState>(PoolState())
    /// How many trending battles the shared pool keeps, so that 20 remain after dropping a viewer's own.
    private let poolSize = 100
    private let maxCachedFeeds = 10_000

    init(store: any FeedStore, clock: any AppClock, ttl: Double) {
        self.store = store
        self.clock = clock
        self.ttl = ttl
    }

    /// The user's own newest battles: the ranked feed leaves them out, and the feed page still lists them.
    func ownBattles(userID: String) async throws -> [FeedBattleCandidate] {
        do { return try await store.ownBattles(userID: userID, limit: 5) } catch { throw error.asInternal("could not build feed") }
    }

    func feed(userID: String) async throws -> Feed {
        let now = clock.now()
        if ttl > 0, let hit = feeds.withLock({ $0[userID] }), hit.expires > now { return hit.feed }
        let built: Feed
        do { built = try await build(userID: userID, now: now) } catch { throw error.asInternal("could not build feed") }
        if ttl > 0 {
            feeds.withLock { cache in
                if cache.count >= maxCachedFeeds { cache = cache.filter { $0.value.expires > now } }
                if cache.count >= maxCachedFeeds { cache.removeAll() }
                cache[userID] = (built, now.adding(seconds: ttl))
            }
        }
        return built
    }

    private func build(userID: String, now: Timestamp) async throws -> Feed {
        let engagementSince = now.adding(seconds: -14 * 86_400)
        let candidates = try await store.feedCandidates(
            userID: userID, engagementSince: engagementSince,
            templatesSince: now.adding(seconds: -30 * 86_400))
        let trending = try await trendingPool(now: now, since: engagementSince)
            .filter { $0.ownerID != userID }.prefix(20).map(\.candidate)
        return FeedRanking.build(followed: candidates.followed, trending: Array(trending), templates: candidates.templates, now: now)
    }

    typealias PoolEntries = [TrendingBattle]

    /// The shared trending pool and whether a refresh is running.
    struct PoolState {
        var entries: PoolEntries?
        var expires = Timestamp(microseconds: 0)
        var refreshing = false
    }

    /// The shared pool, served stale while one background task refreshes it, so no request waits for the
    /// aggregation over two weeks of engagement except the very first after start-up.
    private func trendingPool(now: Timestamp, since: Timestamp) async throws -> PoolEntries {
        guard ttl > 0 else { return try await store.trendingPool(since: since, limit: poolSize) }
        let (cached, refresh) = pool.withLock { state -> (PoolEntries?, Bool) in
            guard let entries = state.entries else { return (nil, false) }
            guard state.expires <= now, !state.refreshing else { return (entries, false) }
            state.refreshing = true
            return (entries, true)
        }
        if let cached {
            if refresh {
                Task { [self] in
                    let fresh = try? await store.trendingPool(since: clock.now().adding(seconds: -14 * 86_400), limit: poolSize)
                    pool.withLock { state in
                        if let fresh {
                            state.entries = fresh
                            state.expires = clock.now().adding(seconds: ttl)
                        }
                        state.refreshing = false
                    }
                }
            }
            return cached
        }
        let entries = try await store.trendingPool(since: since, limit: poolSize)
        pool.withLock { state in
            state.entries = entries
            state.expires = now.adding(seconds: ttl)
        }
        return entries
    }
}
