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
    /// Failed logins, per normalised account email.
    case loginAccount = "login_account"
    /// Failed logins, per client IP (a looser limit than per account).
    case loginIP = "login_ip"
    /// Analytics event ingestion, per client IP.
    case events = "events"

    /// What the key identifies: `"ip"` (client address), `"user"` (authenticated user id) or
    /// `"account"` (the email a login attempt names). Used as the metric's `scope` label.
    public var scope: String {
        switch self {
        case .publicRead, .publicWrite, .loginIP, .events: "ip"
        case .battleCreate, .templateCreate: "user"
        case .loginAccount: "account"
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
        case .loginAccount, .loginIP: "too many failed logins"
        case .events: "event rate limit exceeded"
        }
    }

    /// Whether adaptive load shedding may tighten this class. Only anonymous public writes are
    /// shed; authentication and read-only traffic never are, so an overloaded server still lets
    /// people sign in and read.
    public var isSheddable: Bool { self == .publicWrite }
}
