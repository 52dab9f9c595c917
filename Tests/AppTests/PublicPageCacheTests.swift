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
        cache.set(Self.page("first"), for: "ada")
        time.mutate { $0 += 999_999_999 }
        #expect(cache.get("ada")?.etag == "\"first\"")
        time.mutate { $0 += 1 }
        #expect(cache.get("ada") == nil, "expired at exactly the TTL")
        #expect(cache.get("other") == nil)
    }

    @Test func invalidateAllForgetsEveryPageAndAZeroTTLCachesNothing() {
        let cache = PublicPageCache(ttl: 60, now: { 5 })
        cache.set(Self.page("a"), for: "ada")
        cache.set(Self.page("b"), for: "bob")
        cache.invalidateAll()
        #expect(cache.get("ada") == nil && cache.get("bob") == nil)
        let off = PublicPageCache(ttl: 0, now: { 5 })
        off.set(Self.page("a"), for: "ada")
        #expect(off.get("ada") == nil)
    }
}
