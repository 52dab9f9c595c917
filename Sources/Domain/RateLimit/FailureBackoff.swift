/// How a failure counter turns failures into delays: a free allowance per hour, then an exponential delay.
///
/// The counter drains continuously at `allowancePerHour` failures per hour. While it holds more than the
/// allowance, every failure sets a delay of `baseDelaySeconds × 2^(excess − 1)` seconds, at most
/// `maxDelaySeconds`, where `excess` is how many failures the counter holds beyond the allowance. A steady
/// stream of failures therefore gets about `allowancePerHour` through per hour, and a burst beyond it is spread
/// out by delays that double with each failure.
public struct BackoffPolicy: Sendable, Hashable {
    /// Failures per hour that cause no delay (and the rate the counter drains at). `0` disables the policy.
    public var allowancePerHour: Int
    /// The first delay.
    public var baseDelaySeconds: Int
    /// The longest delay.
    public var maxDelaySeconds: Int

    public init(allowancePerHour: Int, baseDelaySeconds: Int = 1, maxDelaySeconds: Int = 900) {
        self.allowancePerHour = max(0, allowancePerHour)
        self.baseDelaySeconds = max(1, baseDelaySeconds)
        // A day is already a lockout; the bound also keeps every delay far from overflowing in microseconds.
        self.baseDelaySeconds = min(self.baseDelaySeconds, Self.longestDelaySeconds)
        self.maxDelaySeconds = min(max(self.baseDelaySeconds, maxDelaySeconds), Self.longestDelaySeconds)
    }

    /// The longest delay any policy may set.
    public static let longestDelaySeconds = 86_400

    /// True when the policy never delays.
    public var isDisabled: Bool { allowancePerHour == 0 }

    /// The delay, in seconds, after a failure that leaves `excess` failures beyond the allowance (0 when none).
    public func delaySeconds(excess: Int) -> Int {
        guard excess > 0 else { return 0 }
        // 2^(excess − 1) doubles past any sensible cap long before the shift could overflow.
        guard excess <= 31 else { return maxDelaySeconds }
        let (delay, overflow) = baseDelaySeconds.multipliedReportingOverflow(by: 1 << (excess - 1))
        return overflow ? maxDelaySeconds : min(delay, maxDelaySeconds)
    }
}

/// A failure counter's state as a caller sees it.
public struct BackoffState: Sendable, Hashable {
    /// Failures the counter holds now (rounded up), after draining.
    public var failures: Int
    /// The allowance of the policy in force.
    public var allowance: Int
    /// Until when attempts wait; at or before `now` when there is no delay.
    public var delayedUntil: Timestamp

    public init(failures: Int, allowance: Int, delayedUntil: Timestamp) {
        self.failures = failures
        self.allowance = allowance
        self.delayedUntil = delayedUntil
    }

    /// The state of a key that never failed.
    public static func clear(_ policy: BackoffPolicy) -> BackoffState {
        BackoffState(failures: 0, allowance: policy.allowancePerHour, delayedUntil: Timestamp(microseconds: .min))
    }

    /// Whether attempts must still wait at `now`.
    public func isDelaying(at now: Timestamp) -> Bool { delayedUntil > now }

    /// Whole seconds, rounded up, until the delay ends (0 when none).
    public func delaySeconds(at now: Timestamp) -> Int {
        guard isDelaying(at: now) else { return 0 }
        return Int((delayedUntil.microseconds - now.microseconds + 999_999) / 1_000_000)
    }
}

/// One key's failure counter in exact integer arithmetic, the backoff counterpart of `TokenBucket`.
///
/// One failure is `unitsPerFailure` units (an hour in microseconds), so a policy of `a` failures per hour drains
/// exactly `a` units per microsecond. The level is capped a little beyond the point where the delay reaches its
/// maximum, so it cannot overflow however long a flood lasts.
struct FailureBackoff: Sendable {
    static let unitsPerFailure: Int64 = 3_600_000_000
    /// Allowances above this are clamped, keeping `level` far from overflow.
    static let maxAllowance: Int64 = 1_000_000
    /// Failures beyond the allowance that the counter remembers (2^63 of anything is past every cap).
    static let maxExcess: Int64 = 63

    /// Current level in units, as of `updatedAt`.
    private(set) var level: Int64 = 0
    /// Microsecond timestamp the level was last brought up to date (never moves backwards).
    private(set) var updatedAt: Int64
    /// Microsecond timestamp until which attempts wait.
    private(set) var delayedUntil: Int64 = .min
    /// Once passed, the counter is empty and no delay runs: the entry is indistinguishable from an unknown key.
    private(set) var fullAt: Int64

    init(now: Int64) {
        updatedAt = now
        fullAt = now
    }

    /// A counter as a shared store kept it.
    init(level: Int64, updatedAt: Int64, delayedUntil: Int64, fullAt: Int64) {
        self.level = level
        self.updatedAt = updatedAt
        self.delayedUntil = delayedUntil
        self.fullAt = fullAt
    }

    static func allowance(_ policy: BackoffPolicy) -> Int64 { min(Int64(policy.allowancePerHour), maxAllowance) }

    /// Drains what the time since `updatedAt` allows. A clock that steps backwards drains nothing.
    mutating func drain(policy: BackoffPolicy, now: Int64) {
        let rate = Self.allowance(policy)
        if now > updatedAt && rate > 0 {
            let elapsed = min(now - updatedAt, TokenBucket.ceilDiv(level, rate))
            level = max(0, level - elapsed * rate)
            updatedAt = now
        }
        fullAt = max(delayedUntil, updatedAt + (rate > 0 ? TokenBucket.ceilDiv(level, rate) : 0))
    }

    /// Drains, counts one failure and, beyond the allowance, extends the delay.
    mutating func strike(policy: BackoffPolicy, now: Int64) -> BackoffState {
        drain(policy: policy, now: now)
        let rate = Self.allowance(policy)
        level = min(level + Self.unitsPerFailure, (rate + Self.maxExcess) * Self.unitsPerFailure)
        let excess = Int(TokenBucket.ceilDiv(level, Self.unitsPerFailure) - rate)
        let delay = Int64(policy.delaySeconds(excess: excess)) * 1_000_000
        if delay > 0 { delayedUntil = max(delayedUntil, Timestamp(microseconds: now).adding(microseconds: delay).microseconds) }
        fullAt = max(delayedUntil, updatedAt + (rate > 0 ? TokenBucket.ceilDiv(level, rate) : 0))
        return state(policy: policy)
    }

    func state(policy: BackoffPolicy) -> BackoffState {
        BackoffState(
            failures: Int(TokenBucket.ceilDiv(level, Self.unitsPerFailure)), allowance: policy.allowancePerHour,
            delayedUntil: Timestamp(microseconds: delayedUntil))
    }
}
