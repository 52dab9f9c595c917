import Domain
import Foundation
import Synchronization

/// A short-lived cache of rendered public profile pages (micro-caching): a shared link can draw a burst of
/// visitors, and every one of them gets the same public body, so the page is rendered once per
/// `PUBLIC_PAGE_CACHE_TTL` at most. Any change to public data clears it at once, on every node: this node
/// directly, the others through the `CacheInvalidator` (PostgreSQL: NOTIFY); the TTL bounds staleness only
/// when a notification is lost (a node reconnecting to the database clears the cache itself).
///
/// A page read from the store while an eviction happened is not stored (`generation`): it may show the state
/// from before the change, and would otherwise be served for a whole TTL.
final class PublicPageCache: Sendable {
    struct Page: Sendable {
        let body: Data
        let etag: String
        let personaID: String
        let slug: String
    }

    private struct Entry {
        let page: Page
        let expires: UInt64
    }

    /// Seconds a rendered page is served before it is rendered again.
    static let defaultTTL = 1.0

    private struct State {
        var entries: [String: Entry] = [:]
        /// Counts evictions; a page is stored only if none happened since its read began.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private let ttlNanos: UInt64
    private let capacity: Int
    /// Monotonic nanoseconds; tests pass a clock they move by hand.
    private let now: @Sendable () -> UInt64

    init(ttl: Double = defaultTTL, capacity: Int = 1024, now: @escaping @Sendable () -> UInt64 = { Monotonic.nanos() }) {
        ttlNanos = UInt64(saturating: ttl * 1e9)
        self.capacity = capacity
        self.now = now
    }

    func get(_ slug: String) -> Page? {
        let now = self.now()
        return state.withLock { state in
            guard let entry = state.entries[slug] else { return nil }
            guard entry.expires > now else {
                state.entries[slug] = nil
                return nil
            }
            return entry.page
        }
    }

    /// Taken before reading a page from the store, and handed to `set`.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Stores a page read since `generation` was taken, unless an eviction happened meanwhile.
    func set(_ page: Page, for slug: String, readAt generation: UInt64) {
        guard ttlNanos > 0 else { return }
        let expires = self.now() + ttlNanos
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[slug] = Entry(page: page, expires: expires)
        }
    }

    /// Public data changed (a post, a follow, a profile or persona edit): forget every page.
    func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }

    /// Forget one page.
    func invalidate(slug: String) {
        state.withLock { state in
            state.generation &+= 1
            state.entries[slug] = nil
        }
    }
}
