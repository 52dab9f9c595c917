/// Brute-force protection for password login, built on a `RateLimitStore`.
///
/// Only *failed* logins are charged, in two buckets:
/// - per account (the normalised email, class `login_account`): `failuresPerMinute` failures,
///   so guessing one account's password is slow whoever does it;
/// - per client IP (class `login_ip`): ten times looser, so one address cannot spray guesses
///   across many accounts, yet a shared address (office, NAT) is not locked out by a few typos.
/// An attacker hammering one account locks only that account's bucket: other accounts, from
/// other addresses, are unaffected. A successful login consumes nothing.
///
/// Flow for the login route: `check` before verifying the password (a denial means answer 429
/// without touching bcrypt); on a wrong password, `recordFailure`; on success, optionally
/// `recordSuccess`.
///
/// **Headers.** The figures describe the account bucket, which is the one that normally binds.
/// They switch to the IP bucket's figures only when that bucket is the tighter one (it denies, or
/// has fewer tokens left), so `Retry-After` on a 429 is always the wait that actually applies.
/// `RateLimit-Limit` therefore tells the client which limit it is looking at.
public struct LoginThrottle: Sendable {
    /// Default failed logins per account per minute.
    public static let defaultFailuresPerMinute = 10
    /// How much looser the per-IP limit is than the per-account one.
    public static let ipMultiplier = 10

    private let store: any RateLimitStore
    /// Failed logins allowed per account per minute (`0` disables login throttling).
    public let accountRule: RateLimitRule
    /// Failed logins allowed per client IP per minute: `ipMultiplier` × the account rule.
    public let ipRule: RateLimitRule

    /// - Parameters:
    ///   - store: where the buckets live (the same store the other limits use is fine: the
    ///     login classes have their own keys).
    ///   - failuresPerMinute: failed logins per account per minute; `0` disables the throttle.
    public init(store: any RateLimitStore, failuresPerMinute: Int = defaultFailuresPerMinute) {
        self.store = store
        accountRule = RateLimitRule(perMinute: failuresPerMinute)
        let (ip, overflow) = accountRule.perMinute.multipliedReportingOverflow(by: Self.ipMultiplier)
        ipRule = RateLimitRule(perMinute: overflow ? Int.max : ip)
    }

    /// The account key: the email trimmed and lower-cased, so `Bob@X.io ` and `bob@x.io` share
    /// a bucket and case games cannot multiply an attacker's budget.
    public static func normalize(account: String) -> String {
        let scalars = account.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last]).lowercased()
    }

    /// Returns a denial when the account's or the IP's failure budget is used up, consuming
    /// nothing; `nil` when the attempt may proceed (always `nil` when disabled).
    public func check(account: String, ip: String, now: Timestamp) async -> RateLimitDecision? {
        guard !accountRule.isDisabled else { return nil }
        let byAccount = await store.peek(accountKey(account), rule: accountRule, now: now)
        let byIP = await store.peek(RateLimitKey(.loginIP, ip), rule: ipRule, now: now)
        guard !byAccount.allowed || !byIP.allowed else { return nil }
        return Self.tighter(byAccount, byIP)
    }

    /// Charges one failure to both buckets and returns the decision for the response headers
    /// (the tighter of the two; see the type's documentation). `.unlimited` when disabled.
    @discardableResult
    public func recordFailure(account: String, ip: String, now: Timestamp) async -> RateLimitDecision {
        guard !accountRule.isDisabled else { return .unlimited }
        let byAccount = await store.take(accountKey(account), rule: accountRule, now: now)
        let byIP = await store.take(RateLimitKey(.loginIP, ip), rule: ipRule, now: now)
        return Self.tighter(byAccount, byIP)
    }

    /// Takes one of the account's attempts before the password is verified. A check that only peeks lets every
    /// guess already waiting on bcrypt through, so many parallel guesses could all be tried; taking the token
    /// first bounds them. `allowed == false` is the denial. A successful login then clears the account bucket
    /// (`recordSuccess`), so successes still never count.
    public func reserve(account: String, now: Timestamp) async -> RateLimitDecision {
        guard !accountRule.isDisabled else { return .unlimited }
        return await store.take(accountKey(account), rule: accountRule, now: now)
    }

    /// Charges a failed attempt whose account token `reserve` already took: only the IP bucket is charged now.
    /// Returns the tighter of the two decisions, for the response headers.
    @discardableResult
    public func recordFailure(reserved: RateLimitDecision, ip: String, now: Timestamp) async -> RateLimitDecision {
        guard !accountRule.isDisabled else { return .unlimited }
        let byIP = await store.take(RateLimitKey(.loginIP, ip), rule: ipRule, now: now)
        return Self.tighter(reserved, byIP)
    }

    /// Forgets the account's failures after a successful login, so a user who mistyped a few
    /// times starts fresh. The IP bucket is left alone: otherwise an attacker could log into an
    /// account of their own between guesses to reset it.
    public func recordSuccess(account: String) async {
        await store.clear(accountKey(account))
    }

    private func accountKey(_ account: String) -> RateLimitKey {
        RateLimitKey(.loginAccount, Self.normalize(account: account))
    }

    /// A denial beats an allowance; between denials the longer wait wins; otherwise the bucket
    /// with fewer tokens left. Ties go to the account bucket.
    static func tighter(_ account: RateLimitDecision, _ ip: RateLimitDecision) -> RateLimitDecision {
        if account.allowed != ip.allowed { return account.allowed ? ip : account }
        if !account.allowed { return (ip.retryAfterSeconds ?? 0) > (account.retryAfterSeconds ?? 0) ? ip : account }
        return ip.remaining < account.remaining ? ip : account
    }
}
