/// Brute-force protection for password login that a stranger cannot turn against the account's owner.
///
/// Only *failed* logins are charged. Three stages (the rule is written up in `docs/security.md`, "Login throttling"):
/// 1. **Account and address** (class `login_account_ip`): `failuresPerMinute` failures per minute for one account
///    from one client address, a hard limit (429). Guessing one password from one address is slow, and it
///    limits only that address: the owner elsewhere is unaffected.
/// 2. **Address** (class `login_ip`): `ipMultiplier` × `failuresPerMinute` failures per minute from one address
///    across all accounts, a hard limit, so one address cannot spray guesses over many accounts, yet a shared
///    address (office, NAT) is not locked out by a few typos.
/// 3. **Account** (class `login_account`, all addresses together): `accountFailuresPerHour` failures per hour are
///    free; beyond that every failure doubles a delay (1 s, 2 s, 4 s, … at most `maxDelaySeconds`) during which
///    the account takes no attempts from addresses that have failed on it within the last hour. This is what
///    slows an attack spread over many addresses. An address with no failure on the account within the last
///    hour (class `login_grace`, one per hour) may still try during the delay, so the owner, from their own
///    address, is never locked out by strangers; its first wrong guess puts it under the delay like the rest.
///
/// Flow for the login route: `begin` before verifying the password (a denial means answer 429 without touching
/// bcrypt; an attempt reserves its stage-1 token up front, so parallel guesses cannot all slip past); then
/// `failed` on a wrong password or `succeeded` on success.
///
/// **Headers.** On a 401 the figures describe the tighter of stages 1 and 2 (the one with fewer tokens left, ties
/// to stage 1), so `RateLimit-Limit` tells the client which limit it is looking at; a 429 carries the figures of
/// the stage that refused, and its `Retry-After` is the wait that actually applies.
public struct LoginThrottle: Sendable {
    /// Default failed logins per account from one address per minute (`RATE_LIMIT_LOGIN_FAILURES_PER_MIN`).
    public static let defaultFailuresPerMinute = 10
    /// How much looser the per-address limit is than the per-account-and-address one.
    public static let ipMultiplier = 10
    /// Default failed logins per account per hour, from all addresses, before the delay starts
    /// (`RATE_LIMIT_LOGIN_ACCOUNT_FAILURES_PER_HOUR`).
    public static let defaultAccountFailuresPerHour = 100
    /// The account delay's first step and its ceiling.
    public static let baseDelaySeconds = 1
    public static let maxDelaySeconds = 900

    /// What `begin` decided.
    public enum Gate: Sendable {
        /// Verify the password, then report the outcome with `failed` or `succeeded`.
        case proceed(Attempt)
        /// Answer 429 with this decision's headers; `by` is the stage that refused.
        case denied(RateLimitDecision, by: RateLimitClass)
    }

    /// One admitted login attempt.
    public struct Attempt: Sendable {
        fileprivate let account: String
        fileprivate let ip: String
        /// The stage-1 token taken up front.
        fileprivate let pair: RateLimitDecision
        /// Whether the attempt ran during the account's delay on the address's hourly grace.
        fileprivate let usedGrace: Bool
    }

    private let store: any RateLimitStore
    /// Stage 1: failures per account per address per minute. Disabled (`0`) turns every stage off.
    public let pairRule: RateLimitRule
    /// Stage 2: failures per address per minute, `ipMultiplier` × stage 1.
    public let ipRule: RateLimitRule
    /// Stage 3: the account's free allowance per hour and its delays.
    public let accountPolicy: BackoffPolicy
    /// One attempt per address per hour that the account delay does not hold back.
    public static let graceRule = RateLimitRule(perHour: 1)

    /// - Parameters:
    ///   - store: where the buckets and counters live (the store the other limits use is fine: the login classes
    ///     have their own keys).
    ///   - failuresPerMinute: stage 1's limit; `0` turns login throttling off altogether.
    ///   - accountFailuresPerHour: stage 3's allowance; `0` turns stage 3 off.
    public init(
        store: any RateLimitStore, failuresPerMinute: Int = defaultFailuresPerMinute,
        accountFailuresPerHour: Int = defaultAccountFailuresPerHour
    ) {
        self.store = store
        pairRule = RateLimitRule(perMinute: failuresPerMinute)
        let (ip, overflow) = pairRule.limit.multipliedReportingOverflow(by: Self.ipMultiplier)
        ipRule = RateLimitRule(perMinute: overflow ? Int.max : ip)
        accountPolicy = BackoffPolicy(
            allowancePerHour: pairRule.isDisabled ? 0 : accountFailuresPerHour, baseDelaySeconds: Self.baseDelaySeconds,
            maxDelaySeconds: Self.maxDelaySeconds)
    }

    /// The account key: the email as accounts store it (`AuthRules.normalizeEmail`) when it is well formed, so
    /// `Bob@X.io ` and `bob@x.io` share buckets and case or Unicode games cannot multiply an attacker's budget.
    /// Every malformed address shares the empty key: none can name an account, and a 60 KB address must not
    /// become a 60 KB key.
    public static func normalize(account: String) -> String { AuthRules.validEmail(account) ?? "" }

    /// Decides whether a login attempt may verify its password. `.proceed` reserves the attempt's stage-1 token.
    public func begin(account rawAccount: String, ip: String, now: Timestamp) async -> Gate {
        let account = Self.normalize(account: rawAccount)
        guard !pairRule.isDisabled else { return .proceed(Attempt(account: account, ip: ip, pair: .unlimited, usedGrace: false)) }
        let byIP = await store.peek(ipKey(ip), rule: ipRule, now: now)
        guard byIP.allowed else { return .denied(byIP, by: .loginIP) }
        let pairKey = pairKey(account, ip)
        let byPair = await store.peek(pairKey, rule: pairRule, now: now)
        guard byPair.allowed else { return .denied(byPair, by: .loginAccountIP) }
        var usedGrace = false
        if !accountPolicy.isDisabled {
            let state = await store.backoff(accountKey(account), policy: accountPolicy, now: now)
            if state.isDelaying(at: now) {
                let grace = await store.take(graceKey(account, ip), rule: Self.graceRule, now: now)
                guard grace.allowed else { return .denied(delayed(state, grace: grace, now: now), by: .loginAccount) }
                usedGrace = true
            }
        }
        let reserved = await store.take(pairKey, rule: pairRule, now: now)
        guard reserved.allowed else { return .denied(reserved, by: .loginAccountIP) }
        return .proceed(Attempt(account: account, ip: ip, pair: reserved, usedGrace: usedGrace))
    }

    /// Charges a wrong password: the address's bucket, the account's counter, and the address's grace on this
    /// account (it has now failed here). Returns the decision for the 401's headers.
    @discardableResult
    public func failed(_ attempt: Attempt, now: Timestamp) async -> RateLimitDecision {
        guard !pairRule.isDisabled else { return .unlimited }
        let byIP = await store.take(ipKey(attempt.ip), rule: ipRule, now: now)
        if !accountPolicy.isDisabled {
            _ = await store.strike(accountKey(attempt.account), policy: accountPolicy, now: now)
            if !attempt.usedGrace { _ = await store.take(graceKey(attempt.account, attempt.ip), rule: Self.graceRule, now: now) }
        }
        return Self.tighter(attempt.pair, byIP)
    }

    /// Forgets this address's failures on the account after a successful login, so a user who mistyped a few times
    /// starts fresh. The address bucket and the account counter are left alone: an attacker could otherwise log
    /// into an account of their own between guesses to reset them, and the owner's success says nothing about
    /// the strangers still guessing.
    public func succeeded(_ attempt: Attempt) async {
        guard !pairRule.isDisabled else { return }
        await store.clear(pairKey(attempt.account, attempt.ip))
        await store.clear(graceKey(attempt.account, attempt.ip))
    }

    /// The account counter's state (for tests and diagnostics).
    public func accountState(_ rawAccount: String, now: Timestamp) async -> BackoffState {
        await store.backoff(accountKey(Self.normalize(account: rawAccount)), policy: accountPolicy, now: now)
    }

    private func ipKey(_ ip: String) -> RateLimitKey { RateLimitKey(.loginIP, ip) }
    private func accountKey(_ account: String) -> RateLimitKey { RateLimitKey(.loginAccount, account) }
    // An address never contains "|", so "<ip>|<account>" names one pair unambiguously.
    private func pairKey(_ account: String, _ ip: String) -> RateLimitKey { RateLimitKey(.loginAccountIP, "\(ip)|\(account)") }
    private func graceKey(_ account: String, _ ip: String) -> RateLimitKey { RateLimitKey(.loginGrace, "\(ip)|\(account)") }

    /// The 429 for an address held back by the account's delay: it may try again when the delay ends or its
    /// grace returns, whichever is sooner.
    private func delayed(_ state: BackoffState, grace: RateLimitDecision, now: Timestamp) -> RateLimitDecision {
        let wait = max(1, min(state.delaySeconds(at: now), grace.retryAfterSeconds ?? Int.max))
        return RateLimitDecision(allowed: false, limit: accountPolicy.allowancePerHour, remaining: 0, resetSeconds: wait, retryAfterSeconds: wait)
    }

    /// The one with fewer tokens left; ties go to the account-and-address bucket.
    static func tighter(_ pair: RateLimitDecision, _ ip: RateLimitDecision) -> RateLimitDecision {
        ip.remaining < pair.remaining ? ip : pair
    }
}
