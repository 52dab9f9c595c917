/// The outcome of one rate-limit check, carrying everything the HTTP layer needs for headers.
///
/// Header meaning follows the IETF "RateLimit header fields for HTTP" draft:
/// - `RateLimit-Limit`: the bucket size, i.e. the per-minute limit in force for this request.
/// - `RateLimit-Remaining`: whole tokens left *after* this request.
/// - `RateLimit-Reset`: seconds until the quota is **fully** restored (the bucket is full again),
///   rounded up. We chose "until full" rather than "until the next token" because it is the
///   draft's definition and it never under-promises: a client that waits `reset` seconds can
///   send a full burst again.
/// - `Retry-After` (only on a denial): seconds until one token is available, rounded up, at
///   least 1, so a client that honours it succeeds on its next try.
public struct RateLimitDecision: Sendable, Hashable {
    /// Whether the request may proceed.
    public var allowed: Bool
    /// The limit in force (bucket capacity); `0` when limiting is disabled.
    public var limit: Int
    /// Whole tokens left after this decision.
    public var remaining: Int
    /// Seconds until the bucket is full again (rounded up; `0` when already full).
    public var resetSeconds: Int
    /// Seconds until a token is available; set only when `allowed` is false, always ≥ 1.
    public var retryAfterSeconds: Int?

    public init(allowed: Bool, limit: Int, remaining: Int, resetSeconds: Int, retryAfterSeconds: Int?) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The decision for a disabled rule: allowed, and no headers are sent.
    public static let unlimited = RateLimitDecision(
        allowed: true, limit: 0, remaining: 0, resetSeconds: 0,
        retryAfterSeconds: nil)

    /// True when limiting was disabled for this request (rule of `0` per minute).
    public var isUnlimited: Bool { limit == 0 }

    /// The response headers for this decision as `(name, value)` pairs: the three `RateLimit-*`
    /// fields on every limited response, plus `Retry-After` on a denial; empty when limiting is
    /// disabled, so a disabled class looks exactly like an unlimited server.
    public var headerFields: [(name: String, value: String)] {
        guard !isUnlimited else { return [] }
        var fields: [(name: String, value: String)] = [
            ("RateLimit-Limit", String(limit)),
            ("RateLimit-Remaining", String(remaining)),
            ("RateLimit-Reset", String(resetSeconds)),
        ]
        if !allowed, let retry = retryAfterSeconds { fields.append(("Retry-After", String(retry))) }
        return fields
    }
}
