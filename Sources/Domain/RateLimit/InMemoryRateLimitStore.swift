import Synchronization

/// Token buckets and failure counters held in this process's memory: the single-instance `RateLimitStore`.
///
/// **Concurrency.** Keys are spread over independent shards, each a `Mutex` around a
/// dictionary, so unrelated requests rarely contend and every take on one key is atomic.
///
/// **Bounded memory.** A flood of distinct client IPs must not grow the table without limit:
/// - A bucket that has refilled to full carries no information (an unknown key starts full), so
///   it is dead weight; so is a failure counter that has drained and whose delay has passed. Each shard drops such buckets in a sweep every `sweepInterval`
///   operations, which amortises the O(n) sweep to a small constant per request.
/// - Each shard also has a hard cap of `maxEntriesPerShard`. When a shard exceeds it even after
///   a sweep, the least recently touched buckets are evicted down to at most half the cap
///   (again amortised: the next eviction needs another half cap of new keys).
///   Evicting a non-full bucket forgives that key, so the cap is sized far above the number of
///   keys legitimately active within a minute; a key that keeps hammering stays recently
///   touched and is the last to go.
///
/// The total never exceeds `shardCount × maxEntriesPerShard` entries.
public final class InMemoryRateLimitStore: RateLimitStore {
    /// Default number of shards.
    public static let defaultShardCount = 16
    /// Default per-shard cap (131,072 buckets in total with 16 shards, a few MB).
    public static let defaultMaxEntriesPerShard = 8192
    /// Default number of operations on a shard between sweeps of full buckets.
    public static let defaultSweepInterval = 1024

    private let shards: [Shard]
    private let maxEntriesPerShard: Int
    private let sweepInterval: Int

    /// - Parameters:
    ///   - shardCount: independent locks; more shards, less contention (at least 1).
    ///   - maxEntriesPerShard: hard cap on buckets per shard (at least 8).
    ///   - sweepInterval: operations on a shard between sweeps of already-full buckets.
    public init(
        shardCount: Int = defaultShardCount, maxEntriesPerShard: Int = defaultMaxEntriesPerShard,
        sweepInterval: Int = defaultSweepInterval
    ) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
        self.maxEntriesPerShard = max(8, maxEntriesPerShard)
        self.sweepInterval = max(1, sweepInterval)
    }

    /// The most buckets this store can ever hold.
    public var capacityBound: Int { shards.count * maxEntriesPerShard }

    /// Buckets currently held (full buckets awaiting a sweep included).
    public var count: Int { shards.reduce(0) { $0 + $1.state.withLock { $0.entries.count } } }

    public func take(_ key: RateLimitKey, rule: RateLimitRule, now: Timestamp) -> RateLimitDecision {
        guard !rule.isDisabled else { return .unlimited }
        let rate = TokenBucket.clampedRate(rule)
        let t = now.microseconds
        return update(key, now: t) { entry in
            var bucket = entry?.bucket ?? TokenBucket(rate: rate, now: t)
            let decision = bucket.take(rate: rate, now: t)
            entry = .bucket(bucket)
            return decision
        }
    }

    public func peek(_ key: RateLimitKey, rule: RateLimitRule, now: Timestamp) -> RateLimitDecision {
        guard !rule.isDisabled else { return .unlimited }
        let rate = TokenBucket.clampedRate(rule)
        let t = now.microseconds
        var bucket = shard(for: key).state.withLock { $0.entries[key]?.bucket } ?? TokenBucket(rate: rate, now: t)
        bucket.refill(rate: rate, now: t)
        return bucket.decision(allowed: bucket.hasToken(rate: rate), rate: rate)
    }

    public func strike(_ key: RateLimitKey, policy: BackoffPolicy, now: Timestamp) -> BackoffState {
        guard !policy.isDisabled else { return .clear(policy) }
        let t = now.microseconds
        return update(key, now: t) { entry in
            var counter = entry?.backoff ?? FailureBackoff(now: t)
            let state = counter.strike(policy: policy, now: t)
            entry = .backoff(counter)
            return state
        }
    }

    public func backoff(_ key: RateLimitKey, policy: BackoffPolicy, now: Timestamp) -> BackoffState {
        guard !policy.isDisabled, var counter = shard(for: key).state.withLock({ $0.entries[key]?.backoff }) else { return .clear(policy) }
        counter.drain(policy: policy, now: now.microseconds)
        return counter.state(policy: policy)
    }

    /// Runs `body` on `key`'s entry under its shard's lock, then keeps the shard within its bounds.
    private func update<T>(_ key: RateLimitKey, now: Int64, _ body: (inout Entry?) -> T) -> T {
        let cap = maxEntriesPerShard
        let interval = sweepInterval
        return shard(for: key).state.withLock { s in
            let result = body(&s.entries[key])
            s.operations += 1
            if s.operations >= interval || s.entries.count > cap { s.maintain(now: now, cap: cap) }
            return result
        }
    }

    public func clear(_ key: RateLimitKey) {
        _ = shard(for: key).state.withLock { $0.entries.removeValue(forKey: key) }
    }

    /// Drops every bucket that is full again (and every counter that has drained) at `now` in all shards,
    /// returning how many were dropped. Optional: the store already sweeps as it is used; a periodic task may call this
    /// so an idle server also gives memory back.
    @discardableResult
    public func purge(now: Timestamp) -> Int {
        let t = now.microseconds
        return shards.reduce(0) { total, shard in
            total
                + shard.state.withLock { s in
                    let before = s.entries.count
                    s.sweep(now: t)
                    return before - s.entries.count
                }
        }
    }

    /// Picks a shard from the key's hash using the high bits (multiply-high), so the shard
    /// choice does not correlate with the bits each shard's dictionary uses.
    private func shard(for key: RateLimitKey) -> Shard {
        var hasher = Hasher()
        hasher.combine(key)
        let hash = UInt64(UInt(bitPattern: hasher.finalize()))
        return shards[Int(hash.multipliedFullWidth(by: UInt64(shards.count)).high)]
    }
}

/// One lock and its share of the buckets.
private final class Shard: Sendable {
    let state = Mutex(ShardState())
}

/// What a key holds: a token bucket (every limit) or a failure counter (`LoginThrottle`'s per-account stage).
private enum Entry: Sendable {
    case bucket(TokenBucket)
    case backoff(FailureBackoff)

    var bucket: TokenBucket? {
        if case .bucket(let b) = self { return b }
        return nil
    }

    var backoff: FailureBackoff? {
        if case .backoff(let b) = self { return b }
        return nil
    }

    var updatedAt: Int64 {
        switch self {
        case .bucket(let b): b.updatedAt
        case .backoff(let b): b.updatedAt
        }
    }

    /// Once passed, the entry carries no information.
    var fullAt: Int64 {
        switch self {
        case .bucket(let b): b.fullAt
        case .backoff(let b): b.fullAt
        }
    }
}

private struct ShardState: Sendable {
    var entries: [RateLimitKey: Entry] = [:]
    /// Operations since the last sweep.
    var operations = 0

    /// Sweeps full buckets, then enforces the hard cap.
    mutating func maintain(now: Int64, cap: Int) {
        sweep(now: now)
        guard entries.count > cap else { return }
        // Keep the `keep` most recently touched: all touched after `oldestKept`, and as many
        // touched exactly then as still fit (many keys can share one microsecond).
        let keep = cap / 2
        var touched = entries.values.map(\.updatedAt)
        touched.sort()
        let oldestKept = touched[touched.count - keep]
        var ties = keep - touched.reversed().prefix { $0 > oldestKept }.count
        entries = entries.filter { entry in
            if entry.value.updatedAt > oldestKept { return true }
            guard entry.value.updatedAt == oldestKept, ties > 0 else { return false }
            ties -= 1
            return true
        }
    }

    /// Drops entries that carry no information any more (full buckets, drained counters).
    mutating func sweep(now: Int64) {
        operations = 0
        entries = entries.filter { $0.value.fullAt > now }
    }
}
