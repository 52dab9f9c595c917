/// The kinds of traffic the server limits, each with its own buckets, scope and 429 message.
///
/// A class names *what* is limited; the limit itself (`RateLimitRule`) comes from configuration,
/// so operators can tune or disable a class without code changes. The raw value is the label
/// used for the `endpoint` dimension of the rate-limit metric.
public enum RateLimitClass: String, Sendable, Hashable, CaseIterable {
    /// Anonymous public reads (profiles, posts, card, meta, remix intent, template list), per client IP.
    case publicRead = "public_read"
    /// Anonymous public writes (follow), per client IP; the only class adaptive shedding tightens.
    case publicWrite = "public_write"
    /// Battle creation, per authenticated user.
    case battleCreate = "battle_create"
    /// Template creation, per authenticated user.
    case templateCreate = "template_create"
    /// Failed logins per normalised account email from all addresses: `LoginThrottle`'s failure counter.
    case loginAccount = "login_account"
    /// Failed logins per account from one client IP.
    case loginAccountIP = "login_account_ip"
    /// Failed logins per client IP, across accounts (looser than per account and IP).
    case loginIP = "login_ip"
    /// The one attempt per hour an address may make while an account's delay runs.
    case loginGrace = "login_grace"
    /// Analytics event ingestion, per client IP.
    case events = "events"
    /// Account creation (`POST /auth/signup` and the signup form), per client IP, counted per hour.
    case signup = "signup"

    /// What the key identifies: `"ip"` (client address), `"user"` (authenticated user id), `"account"` (the
    /// email a login attempt names) or `"account_ip"` (that email from one address). Used as the metric's
    /// `scope` label.
    public var scope: String {
        switch self {
        case .publicRead, .publicWrite, .loginIP, .events, .signup: "ip"
        case .battleCreate, .templateCreate: "user"
        case .loginAccount: "account"
        case .loginAccountIP, .loginGrace: "account_ip"
        }
    }

    /// The `error` text of the 429 body for this class. Every public-read route shares one text
    /// on purpose: they share one bucket, so the client cannot tell which route tripped it.
    public var exceededMessage: String {
        switch self {
        case .publicRead: "public profile rate limit exceeded"
        case .publicWrite: "follow rate limit exceeded"
        case .battleCreate: "battle creation rate limit exceeded"
        case .templateCreate: "template creation rate limit exceeded"
        case .loginAccount, .loginAccountIP, .loginIP, .loginGrace: "too many failed logins"
        case .events: "event rate limit exceeded"
        case .signup: "signup rate limit exceeded"
        }
    }

    /// Whether adaptive load shedding may tighten this class. Only anonymous public writes are
    /// shed; authentication and read-only traffic never are, so an overloaded server still lets
    /// people sign in and read.
    public var isSheddable: Bool { self == .publicWrite }
}
