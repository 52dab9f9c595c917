import Foundation
import TestSupport
import Testing

@testable import App

/// The public profile micro-cache on a monotonic clock the test moves: a page is served for exactly its TTL, and
/// `invalidateAll` forgets every page at once.
@Suite struct PublicPageCacheTests {
    static func page(_ text: String) -> PublicPageCache.Page {
        .init(body: Data(text.utf8), etag: "\"\(text)\"", personaID: "p", slug: "ada")
    }

    @Test func aPageIsServedForItsTTLAndNotOneNanosecondLonger() {
        let time = LockedBox<UInt64>(1_000_000_000)
        let cache = PublicPageCache(ttl: 1, now: { time.value })
        cache.set(Self.page("first"), for: "ada", readAt: cache.generation)
        time.mutate { $0 += 999_999_999 }
        #expect(cache.get("ada")?.etag == "\"first\"")
        time.mutate { $0 += 1 }
        #expect(cache.get("ada") == nil, "expired at exactly the TTL")
        #expect(cache.get("other") == nil)
    }

    @Test func invalidateAllForgetsEveryPageAndAZeroTTLCachesNothing() {
        let cache = PublicPageCache(ttl: 60, now: { 5 })
        cache.set(Self.page("a"), for: "ada", readAt: cache.generation)
        cache.set(Self.page("b"), for: "bob", readAt: cache.generation)
        cache.invalidateAll()
        #expect(cache.get("ada") == nil && cache.get("bob") == nil)
        let off = PublicPageCache(ttl: 0, now: { 5 })
        off.set(Self.page("a"), for: "ada", readAt: off.generation)
        #expect(off.get("ada") == nil)
    }

    @Test func aPageReadWhileAnEvictionHappenedIsNotStored() {
        let cache = PublicPageCache(ttl: 60, now: { 5 })
        // The read began, then another node's change evicted the pages, then the read finished with the old state.
        let before = cache.generation
        cache.invalidateAll()
        cache.set(Self.page("old"), for: "ada", readAt: before)
        #expect(cache.get("ada") == nil, "a page that may predate the change is not served for a whole TTL")
        let after = cache.generation
        cache.set(Self.page("new"), for: "ada", readAt: after)
        #expect(cache.get("ada")?.etag == "\"new\"")
        cache.invalidate(slug: "bob")
        #expect(cache.get("ada")?.etag == "\"new\"", "evicting one slug keeps the others")
        cache.invalidate(slug: "ada")
        #expect(cache.get("ada") == nil)
    }
}
