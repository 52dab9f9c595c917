import Domain
import Foundation
import Synchronization

/// A short-lived cache of rendered public profile pages (micro-caching): a shared link can draw a burst of
/// visitors, and every one of them gets the same public body, so the page is rendered once per second at
/// most. Any change this process makes to public data clears it at once; a change made by another process
/// sharing the database shows within `ttl`, well inside the minute the page's `Cache-Control` already
/// allows clients and shared caches.
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

    private let entries = Mutex<[String: Entry]>([:])
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
        return entries.withLock { entries in
            guard let entry = entries[slug] else { return nil }
            guard entry.expires > now else {
                entries[slug] = nil
                return nil
            }
            return entry.page
        }
    }

    func set(_ page: Page, for slug: String) {
        guard ttlNanos > 0 else { return }
        let expires = self.now() + ttlNanos
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[slug] = Entry(page: page, expires: expires)
        }
    }

    /// Public data changed (a post, a follow, a profile or persona edit): forget every page.
    func invalidateAll() {
        entries.withLock { $0.removeAll(keepingCapacity: true) }
    }
}
