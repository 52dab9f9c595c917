/// Where token buckets live: the port the HTTP layer and `LoginThrottle` talk to.
///
/// The in-memory implementation serves a single process. A shared implementation (SQLite,
/// Redis, …) can replace it without touching routes because callers only ever pass a key, the
/// rule in force and the current time, and get back a `RateLimitDecision`. The requirements are
/// `async` so a networked store fits; the in-memory store satisfies them synchronously.
///
/// Contract every implementation keeps:
/// - A bucket holds at most `rule.perMinute` tokens and refills continuously at
///   `rule.perMinute / 60` tokens per second; an unknown key starts full.
/// - `take` consumes one token when at least one is available, atomically per key: concurrent
///   takes on one key never allow more than the bucket holds.
/// - A disabled rule (`perMinute == 0`) always answers `RateLimitDecision.unlimited` and keeps
///   no state.
/// - If the rule changes between calls (for example while load shedding halves it), the stored
///   level is clamped to the new capacity.
/// - A shared store that cannot reach its backend should fail open (allow) and report the fault
///   itself; rate limiting must not take the site down.
public protocol RateLimitStore: Sendable {
    /// Consumes one token from `key`'s bucket if one is available and reports the outcome.
    /// A denied request consumes nothing.
    func take(_ key: RateLimitKey, rule: RateLimitRule, now: Timestamp) async -> RateLimitDecision

    /// Reports whether a `take` would succeed right now, without consuming or creating state.
    /// `remaining` is the whole tokens currently available. Used where the charge is decided
    /// later, e.g. failed logins are checked first and only charged once the password is wrong.
    func peek(_ key: RateLimitKey, rule: RateLimitRule, now: Timestamp) async -> RateLimitDecision

    /// Forgets `key`'s bucket, so its next request starts with a full bucket.
    func clear(_ key: RateLimitKey) async
}

/// A limit of `perMinute` requests per minute for one key, enforced as a token bucket that holds
/// at most `perMinute` tokens and refills at `perMinute / 60` tokens per second.
///
/// `perMinute == 0` disables the limit: every request is allowed and the caller sends no
/// rate-limit headers, so "off" is indistinguishable from a server without limiting.
public struct RateLimitRule: Sendable, Hashable {
    /// Requests per minute; also the burst size. `0` means unlimited.
    public var perMinute: Int

    /// Negative values are treated as `0` (disabled) rather than trapping on bad configuration,
    /// which the configuration loader is expected to reject earlier anyway.
    public init(perMinute: Int) { self.perMinute = max(0, perMinute) }

    /// The rule that limits nothing.
    public static let disabled = RateLimitRule(perMinute: 0)

    /// True when this rule limits nothing.
    public var isDisabled: Bool { perMinute == 0 }
}

/// Identifies one bucket: the class plus the value it is keyed on (a client IP, a user id or a
/// normalised email). Classes never share buckets, so the same IP has independent read and write
/// budgets.
public struct RateLimitKey: Sendable, Hashable {
    /// Which limit this bucket belongs to.
    public var limitClass: RateLimitClass
    /// The identity within the class: client IP, user id, or normalised account email.
    public var value: String

    public init(_ limitClass: RateLimitClass, _ value: String) {
        self.limitClass = limitClass
        self.value = value
    }
}
