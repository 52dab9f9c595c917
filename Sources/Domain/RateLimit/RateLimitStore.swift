/// Where token buckets live: the port the HTTP layer and `LoginThrottle` talk to.
///
/// The in-memory implementation serves a single process. A shared implementation (SQLite,
/// Redis, …) can replace it without touching routes because callers only ever pass a key, the
/// rule in force and the current time, and get back a `RateLimitDecision`. The requirements are
/// `async` so a networked store fits; the in-memory store satisfies them synchronously.
///
/// Contract every implementation keeps:
/// - A bucket holds at most `rule.limit` tokens and refills continuously at `rule.limit` tokens per
///   `rule.period`; an unknown key starts full.
/// - `take` consumes one token when at least one is available, atomically per key: concurrent
///   takes on one key never allow more than the bucket holds.
/// - A disabled rule (`limit == 0`) always answers `RateLimitDecision.unlimited` and keeps
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

    /// Counts one failure on `key`'s failure counter under `policy` and returns the state after it (a delay when
    /// the counter is beyond the policy's allowance). Atomic per key, like `take`. A disabled policy keeps no state.
    func strike(_ key: RateLimitKey, policy: BackoffPolicy, now: Timestamp) async -> BackoffState

    /// `key`'s failure counter at `now`, without changing it (`BackoffState.clear` for an unknown key).
    func backoff(_ key: RateLimitKey, policy: BackoffPolicy, now: Timestamp) async -> BackoffState

    /// Forgets `key`'s bucket or counter, so its next request starts fresh.
    func clear(_ key: RateLimitKey) async
}

/// A limit of `limit` requests per `period` for one key, enforced as a token bucket that holds at most `limit`
/// tokens and refills at `limit` per period (so an emptied bucket is full again after exactly one period).
///
/// `limit == 0` disables the limit: every request is allowed and the caller sends no rate-limit headers, so
/// "off" is indistinguishable from a server without limiting.
public struct RateLimitRule: Sendable, Hashable {
    /// The window a limit is stated over.
    public enum Period: Int64, Sendable, Hashable {
        case minute = 60
        case hour = 3600

        /// The period in microseconds.
        public var microseconds: Int64 { rawValue * 1_000_000 }
    }

    /// Requests per period; also the burst size. `0` means unlimited.
    public var limit: Int
    /// The period `limit` is counted over.
    public var period: Period

    /// Negative limits are treated as `0` (disabled) rather than trapping on bad configuration, which the
    /// configuration loader is expected to reject earlier anyway.
    public init(limit: Int, per period: Period) {
        self.limit = max(0, limit)
        self.period = period
    }

    /// `perMinute` requests per minute.
    public init(perMinute: Int) { self.init(limit: perMinute, per: .minute) }

    /// `perHour` requests per hour.
    public init(perHour: Int) { self.init(limit: perHour, per: .hour) }

    /// The rule that limits nothing.
    public static let disabled = RateLimitRule(perMinute: 0)

    /// True when this rule limits nothing.
    public var isDisabled: Bool { limit == 0 }
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
