/// A cached entry that went out of date: which of a node's caches, and which key in it (`*`: every entry).
///
/// Travels between nodes as a small text payload, `<cache>:<key>`; a payload is outside input to every listener, so
/// parsing is bounded and anything unknown is dropped.
public struct CacheEviction: Sendable, Hashable, CustomStringConvertible {
    /// The per-node caches whose stale entries other nodes must drop (README, "Past one machine", says why these).
    public enum Cache: String, Sendable, CaseIterable {
        /// Rendered public profile bodies (`GET /p/{slug}`): a change to public data clears all of them.
        case publicPages = "pages"
        /// The auth cache's memory of live sessions, keyed by user id: a revoked session stops working at once.
        case sessions
    }

    public let cache: Cache
    public let key: String

    /// The key that stands for every entry of a cache.
    public static let everyKey = "*"
    /// The longest payload a listener accepts, a sender's tag included (a key is a user id or `*`; PostgreSQL allows
    /// 8000 bytes).
    public static let maxPayloadBytes = 256

    public init(cache: Cache, key: String) {
        self.cache = cache
        self.key = key
    }

    /// Every entry of `cache`.
    public static func all(_ cache: Cache) -> CacheEviction { CacheEviction(cache: cache, key: everyKey) }

    public var isEveryKey: Bool { key == Self.everyKey }

    /// `pages:*`, `sessions:<user id>`.
    public var payload: String { "\(cache.rawValue):\(key)" }
    public var description: String { payload }

    /// The eviction a payload stands for; nil for one that is too long, names no known cache or has no key.
    public init?(payload: String) {
        guard payload.utf8.count <= Self.maxPayloadBytes, let colon = payload.firstIndex(of: ":"),
            let cache = Cache(rawValue: String(payload[..<colon]))
        else { return nil }
        let key = String(payload[payload.index(after: colon)...])
        guard !key.isEmpty else { return nil }
        self.init(cache: cache, key: key)
    }
}

/// Drops out-of-date entries from the caches of every node sharing the database.
///
/// Called after the change committed. The entry is evicted on this node before `evict` returns (a client's next
/// request here sees its own change); other nodes evict it when they hear of it (PostgreSQL: a `NOTIFY` on one
/// channel that every node's LISTEN connection receives, sent before `evict` returns). SQLite's implementation is
/// this process's alone (one node per database file).
public protocol CacheInvalidator: Sendable {
    func evict(_ eviction: CacheEviction) async
}

/// The in-process invalidator: this node's caches are the only ones (SQLite).
public struct InProcessCacheInvalidator: CacheInvalidator {
    private let evictLocally: @Sendable (CacheEviction) -> Void

    public init(evictLocally: @escaping @Sendable (CacheEviction) -> Void) { self.evictLocally = evictLocally }

    public func evict(_ eviction: CacheEviction) async { evictLocally(eviction) }
}
