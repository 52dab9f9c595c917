import Card
import Testing

@Suite struct CacheTests {
    @Test func evictsLeastRecentlyUsedAndReadsRefresh() {
        let cache = CardCache(capacity: 3)
        cache.set("a|1", [1])
        cache.set("b|1", [2])
        cache.set("c|1", [3])
        #expect(cache.get("a|1") == [1]) // a is now most recent; b is least recent
        cache.set("d|1", [4])
        #expect(cache.count == 3)
        #expect(cache.get("b|1") == nil)
        #expect(cache.keysByRecency == ["d|1", "a|1", "c|1"])
        cache.set("e|1", [5]) // evicts c
        #expect(cache.get("c|1") == nil)
        #expect(cache.get("a|1") == [1] && cache.get("d|1") == [4] && cache.get("e|1") == [5])
    }

    @Test func settingAnExistingKeyReplacesAndRefreshes() {
        let cache = CardCache(capacity: 2)
        cache.set("a|1", [1])
        cache.set("b|1", [2])
        cache.set("a|1", [9])
        cache.set("c|1", [3]) // evicts b, the least recently used
        #expect(cache.count == 2)
        #expect(cache.get("a|1") == [9])
        #expect(cache.get("b|1") == nil)
    }

    @Test func defaultCapacityIs256() {
        let cache = CardCache()
        #expect(cache.capacity == 256)
        for i in 0..<300 { cache.set("battle-\(i)|0", [UInt8(i % 256)]) }
        #expect(cache.count == 256)
        #expect(cache.get("battle-43|0") == nil)
        #expect(cache.get("battle-44|0") == [44])
    }

    @Test func invalidateDropsEveryEntryOfOneBattle() {
        let cache = CardCache(capacity: 10)
        for key in ["a|1", "a|2", "ab|1", "b|1", "a|3"] { cache.set(key, [0]) }
        cache.invalidate(prefix: "a")
        #expect(cache.count == 2)
        #expect(Set(cache.keysByRecency) == ["ab|1", "b|1"])
        cache.set("a|4", [4]) // slots are reused after removal
        #expect(cache.get("a|4") == [4] && cache.count == 3)
        cache.invalidate(prefix: "missing")
        #expect(cache.count == 3)
    }

    @Test func concurrentAccessIsConsistent() async {
        let cache = CardCache(capacity: 64)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<2_000 {
                        let key = "battle-\((t * 7 + i) % 100)|\(i % 3)"
                        switch i % 4 {
                        case 0, 1: cache.set(key, [UInt8(t), UInt8(i % 256)])
                        case 2: _ = cache.get(key)
                        default: if i % 40 == 3 { cache.invalidate(prefix: "battle-\(i % 100)") } else { _ = cache.count }
                        }
                    }
                }
            }
        }
        let keys = cache.keysByRecency
        #expect(cache.count == keys.count && keys.count <= 64)
        #expect(Set(keys).count == keys.count)
        #expect(keys.allSatisfy { cache.get($0)?.count == 2 })
    }
}
