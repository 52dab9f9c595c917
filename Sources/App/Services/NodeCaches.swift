import Storage

/// This node's caches that a change made on another node can leave stale for longer than a user would accept, and how
/// an eviction (`CacheEviction`, from this node or heard from another) reaches each.
///
/// The other per-node caches need no eviction: the share card's key is a hash of the texts it draws, derived from the
/// database on every request (`CardService.key`), so a change made on any node (a reply, a persona renamed) is a new
/// key on every node, and the feed is a
/// ranking that may be `FEED_CACHE_TTL` old on one node as on many (README, "Past one machine").
struct NodeCaches: Sendable {
    let pages: PublicPageCache
    let auth: AuthCache

    func evict(_ eviction: CacheEviction) {
        switch eviction.cache {
        case .publicPages: eviction.isEveryKey ? pages.invalidateAll() : pages.invalidate(slug: eviction.key)
        case .sessions: eviction.isEveryKey ? auth.forgetAllSessions() : auth.forgetSessions(ofUser: eviction.key)
        }
    }
}

extension CacheInvalidator {
    /// Public data changed (a post published, a follow, a persona or profile edited, published, unpublished or
    /// deleted): every node forgets its rendered public pages. The one rule for every such change.
    func publicDataChanged() async { await evict(.all(.publicPages)) }

    /// Sessions of `userID` were revoked: every node reads their liveness from the store again.
    func sessionsRevoked(userID: String) async { await evict(CacheEviction(cache: .sessions, key: userID)) }
}
