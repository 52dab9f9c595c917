/// One key's token bucket in exact integer arithmetic.
///
/// Tokens are counted in *units*: one token is 60,000,000 units, so a rule of `r` per minute
/// refills exactly `r` units per microsecond and a bucket holds `r × 60,000,000` units. This
/// keeps refill, remaining, reset and retry-after exact (no floating-point drift), which makes
/// "never more than capacity" and the header values testable to the second.
struct TokenBucket: Sendable {
    /// Units in one token.
    static let unitsPerToken: Int64 = 60_000_000
    /// Rules above this are clamped so `rate × unitsPerToken` cannot overflow (still far beyond
    /// any sensible per-minute limit).
    static let maxRate: Int64 = 1_000_000_000

    /// Current level in units, as of `updatedAt`.
    private(set) var level: Int64
    /// Microsecond timestamp the level was last brought up to date (never moves backwards).
    private(set) var updatedAt: Int64
    /// Microsecond timestamp at which the bucket is full again at the last rate seen. Once this
    /// has passed the bucket is indistinguishable from an unknown key and may be dropped.
    private(set) var fullAt: Int64

    /// A full bucket for `rate` tokens per minute, as an unseen key starts.
    init(rate: Int64, now: Int64) {
        level = rate * Self.unitsPerToken
        updatedAt = now
        fullAt = now
    }

    static func clampedRate(_ rule: RateLimitRule) -> Int64 { min(Int64(rule.perMinute), maxRate) }

    /// Adds the tokens earned since `updatedAt` (clamped to capacity, which also applies a
    /// smaller rule to a bucket filled under a larger one). A clock that steps backwards earns
    /// nothing rather than draining the bucket.
    mutating func refill(rate: Int64, now: Int64) {
        let capacity = rate * Self.unitsPerToken
        if now > updatedAt {
            // Refilling from empty takes exactly one minute, so longer gaps cannot add more.
            let elapsed = min(now - updatedAt, Self.unitsPerToken)
            level = min(capacity, level + elapsed * rate)
            updatedAt = now
        }
        level = min(level, capacity)
        fullAt = updatedAt + Self.ceilDiv(capacity - level, rate)
    }

    /// Refills, then consumes one token if a whole one is available.
    mutating func take(rate: Int64, now: Int64) -> RateLimitDecision {
        refill(rate: rate, now: now)
        let allowed = level >= Self.unitsPerToken
        if allowed {
            level -= Self.unitsPerToken
            fullAt = updatedAt + Self.ceilDiv(rate * Self.unitsPerToken - level, rate)
        }
        return decision(allowed: allowed, rate: rate)
    }

    /// The decision describing the current level: remaining whole tokens, time until full, and
    /// (when denied) time until one whole token is available.
    func decision(allowed: Bool, rate: Int64) -> RateLimitDecision {
        let capacity = rate * Self.unitsPerToken
        let resetMicros = Self.ceilDiv(capacity - level, rate)
        var retry: Int?
        if !allowed {
            let retryMicros = Self.ceilDiv(Self.unitsPerToken - level, rate)
            retry = max(1, Int(Self.ceilDiv(retryMicros, 1_000_000)))
        }
        return RateLimitDecision(
            allowed: allowed, limit: Int(rate), remaining: Int(level / Self.unitsPerToken),
            resetSeconds: Int(Self.ceilDiv(resetMicros, 1_000_000)), retryAfterSeconds: retry)
    }

    /// Ceiling division for a non-negative numerator and positive denominator.
    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { a <= 0 ? 0 : (a + b - 1) / b }
}
