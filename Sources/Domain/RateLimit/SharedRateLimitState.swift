/// A bucket or failure counter as a shared `RateLimitStore` keeps it in a row, and the in-memory store's exact integer
/// arithmetic over it, so a database-backed store answers exactly as `InMemoryRateLimitStore` does.
///
/// A row holds `level` (units), `updatedAt` and `delayedUntil` (microseconds) and `fullAt`, after which the row carries
/// no information and may be deleted. A token bucket's unit is one microsecond of its period per token (see
/// `TokenBucket`); a failure counter's is `unitsPerFailure`.
public struct SharedRateLimitState: Sendable, Hashable {
    public var level: Int64
    public var updatedAt: Int64
    public var delayedUntil: Int64
    public var fullAt: Int64

    public init(level: Int64, updatedAt: Int64, delayedUntil: Int64 = .min, fullAt: Int64) {
        self.level = level
        self.updatedAt = updatedAt
        self.delayedUntil = delayedUntil
        self.fullAt = fullAt
    }

    /// The rule in bucket terms: tokens per period (also units refilled per microsecond) and units per token.
    public static func bucketRate(_ rule: RateLimitRule) -> (perPeriod: Int64, unitsPerToken: Int64) {
        let rate = TokenBucket.clampedRate(rule)
        return (rate.perPeriod, rate.unitsPerToken)
    }

    /// The decision a bucket left at `level` units describes (after a take that was `allowed` or not).
    public static func bucketDecision(allowed: Bool, level: Int64, rule: RateLimitRule) -> RateLimitDecision {
        let rate = TokenBucket.clampedRate(rule)
        return TokenBucket(level: level, updatedAt: 0, rate: rate).decision(allowed: allowed, rate: rate)
    }

    /// `peek` over a stored bucket (nil: an unknown key, which starts full).
    public static func peek(_ stored: SharedRateLimitState?, rule: RateLimitRule, now: Timestamp) -> RateLimitDecision {
        let rate = TokenBucket.clampedRate(rule)
        let t = now.microseconds
        var bucket = stored.map { TokenBucket(level: $0.level, updatedAt: $0.updatedAt, rate: rate) } ?? TokenBucket(rate: rate, now: t)
        bucket.refill(rate: rate, now: t)
        return bucket.decision(allowed: bucket.hasToken(rate: rate), rate: rate)
    }

    /// `strike` over a stored failure counter: the row to store and the state to answer.
    public static func strike(
        _ stored: SharedRateLimitState?, policy: BackoffPolicy, now: Timestamp
    ) -> (
        row: SharedRateLimitState, state: BackoffState
    ) {
        let t = now.microseconds
        var counter = stored.map(Self.counter) ?? FailureBackoff(now: t)
        let state = counter.strike(policy: policy, now: t)
        return (
            SharedRateLimitState(level: counter.level, updatedAt: counter.updatedAt, delayedUntil: counter.delayedUntil, fullAt: counter.fullAt),
            state
        )
    }

    /// `backoff` over a stored failure counter (nil: never failed).
    public static func backoff(_ stored: SharedRateLimitState?, policy: BackoffPolicy, now: Timestamp) -> BackoffState {
        guard var counter = stored.map(Self.counter) else { return .clear(policy) }
        counter.drain(policy: policy, now: now.microseconds)
        return counter.state(policy: policy)
    }

    private static func counter(_ row: SharedRateLimitState) -> FailureBackoff {
        FailureBackoff(level: row.level, updatedAt: row.updatedAt, delayedUntil: row.delayedUntil, fullAt: row.fullAt)
    }
}
