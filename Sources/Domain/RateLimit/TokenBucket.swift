/// One key's token bucket in exact integer arithmetic.
///
/// Tokens are counted in *units*: one token is as many units as its rule's period has microseconds, so a rule
/// of `r` per period refills exactly `r` units per microsecond and a bucket holds `r × period` units. This keeps
/// refill, remaining, reset and retry-after exact (no floating-point drift), which makes "never more than
/// capacity" and the header values testable to the second.
struct TokenBucket: Sendable {
    /// A rule in bucket terms: `perPeriod` tokens per `unitsPerToken` microseconds.
    struct Rate: Sendable, Equatable {
        /// Tokens per period, which is also the refill in units per microsecond.
        let perPeriod: Int64
        /// Units in one token: the period in microseconds.
        let unitsPerToken: Int64

        /// Units a full bucket holds.
        var capacity: Int64 { perPeriod * unitsPerToken }
    }

    /// Rules above this are clamped so `rate × unitsPerToken` cannot overflow even for an hourly period (still far
    /// beyond any sensible limit).
    static let maxRate: Int64 = 1_000_000_000

    /// Current level in units, as of `updatedAt`.
    private(set) var level: Int64
    /// Microsecond timestamp the level was last brought up to date (never moves backwards).
    private(set) var updatedAt: Int64
    /// Microsecond timestamp at which the bucket is full again at the last rate seen. Once this
    /// has passed the bucket is indistinguishable from an unknown key and may be dropped.
    private(set) var fullAt: Int64

    /// A full bucket for `rate`, as an unseen key starts.
    init(rate: Rate, now: Int64) {
        level = rate.capacity
        updatedAt = now
        fullAt = now
    }

    /// A bucket as a shared store kept it (`level` units as of `updatedAt`).
    init(level: Int64, updatedAt: Int64, rate: Rate) {
        self.level = level
        self.updatedAt = updatedAt
        fullAt = updatedAt + Self.ceilDiv(rate.capacity - level, rate.perPeriod)
    }

    static func clampedRate(_ rule: RateLimitRule) -> Rate {
        Rate(perPeriod: min(Int64(rule.limit), maxRate), unitsPerToken: rule.period.microseconds)
    }

    /// Adds the tokens earned since `updatedAt` (clamped to capacity, which also applies a
    /// smaller rule to a bucket filled under a larger one). A clock that steps backwards earns
    /// nothing rather than draining the bucket.
    mutating func refill(rate: Rate, now: Int64) {
        let capacity = rate.capacity
        if now > updatedAt {
            // Refilling from empty takes exactly one period, so longer gaps cannot add more.
            let elapsed = min(now - updatedAt, rate.unitsPerToken)
            level = min(capacity, level + elapsed * rate.perPeriod)
            updatedAt = now
        }
        level = min(level, capacity)
        fullAt = updatedAt + Self.ceilDiv(capacity - level, rate.perPeriod)
    }

    /// Refills, then consumes one token if a whole one is available.
    mutating func take(rate: Rate, now: Int64) -> RateLimitDecision {
        refill(rate: rate, now: now)
        let allowed = level >= rate.unitsPerToken
        if allowed {
            level -= rate.unitsPerToken
            fullAt = updatedAt + Self.ceilDiv(rate.capacity - level, rate.perPeriod)
        }
        return decision(allowed: allowed, rate: rate)
    }

    /// Whether a whole token is available (after a refill).
    func hasToken(rate: Rate) -> Bool { level >= rate.unitsPerToken }

    /// The decision describing the current level: remaining whole tokens, time until full, and
    /// (when denied) time until one whole token is available.
    func decision(allowed: Bool, rate: Rate) -> RateLimitDecision {
        let resetMicros = Self.ceilDiv(rate.capacity - level, rate.perPeriod)
        var retry: Int?
        if !allowed {
            let retryMicros = Self.ceilDiv(rate.unitsPerToken - level, rate.perPeriod)
            retry = max(1, Int(Self.ceilDiv(retryMicros, 1_000_000)))
        }
        return RateLimitDecision(
            allowed: allowed, limit: Int(rate.perPeriod), remaining: Int(level / rate.unitsPerToken),
            resetSeconds: Int(Self.ceilDiv(resetMicros, 1_000_000)), retryAfterSeconds: retry)
    }

    /// Ceiling division for a non-negative numerator and positive denominator.
    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { a <= 0 ? 0 : (a + b - 1) / b }
}
