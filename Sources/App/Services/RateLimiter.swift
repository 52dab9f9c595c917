import Domain
import HTTPTypes
import Storage

/// The rate limits of this deployment: one token-bucket rule per class, the shared store, adaptive
/// shedding and the login throttle. Routes name a class; keys, rules and headers are decided here.
final class RateLimiter: Sendable {
    let store: any RateLimitStore
    let shedding: SheddingState
    let login: LoginThrottle
    let trustedProxies: TrustedProxies
    private let rules: [RateLimitClass: RateLimitRule]
    private let clock: any AppClock
    private let metrics: AppMetrics

    init(config: AppConfig, store: any RateLimitStore, clock: any AppClock, metrics: AppMetrics) throws {
        self.store = store
        self.clock = clock
        self.metrics = metrics
        rules = [
            .publicRead: RateLimitRule(perMinute: config.rateLimitPublicReadPerMin),
            .publicWrite: RateLimitRule(perMinute: config.rateLimitPublicWritePerMin),
            .battleCreate: RateLimitRule(perMinute: config.rateLimitBattleCreatePerMin),
            .templateCreate: RateLimitRule(perMinute: config.rateLimitTemplateCreatePerMin),
            .events: RateLimitRule(perMinute: config.rateLimitEventsPerMin),
            .signup: RateLimitRule(perHour: config.rateLimitSignupPerHour),
        ]
        shedding = SheddingState(queueDepthThreshold: config.shedQueueDepth, retriesThreshold: config.shedRetries10m)
        login = LoginThrottle(
            store: store, failuresPerMinute: config.rateLimitLoginFailuresPerMin,
            accountFailuresPerHour: config.rateLimitLoginAccountFailuresPerHour)
        trustedProxies = try TrustedProxies(entries: config.trustedProxies)
    }

    /// Takes one token for a request of `limitClass`: user classes key on the user, the others on the client IP.
    /// A rejection is counted in `rate_limit_events_total`.
    func take(_ limitClass: RateLimitClass, userID: String?, clientIP: String) async -> RateLimitDecision {
        shedding.noteRequest()
        guard let base = rules[limitClass], !base.isDisabled else { return .unlimited }
        let rule = shedding.effectiveRule(base, class: limitClass, anonymous: userID == nil)
        let keyValue = limitClass.scope == "user" ? "\(limitClass.keyPrefix):\(userID ?? "")" : clientIP
        let decision = await store.take(RateLimitKey(limitClass, keyValue), rule: rule, now: clock.now())
        if !decision.allowed { metrics.recordRateLimited(scope: limitClass.scope, endpoint: limitClass.rawValue) }
        return decision
    }

    /// A login denial by one of `LoginThrottle`'s stages, counted like any other rejection (endpoint `login`).
    func loginDenied(by stage: RateLimitClass) {
        metrics.recordRateLimited(scope: stage.scope, endpoint: "login")
    }

    func now() -> Timestamp { clock.now() }
}

extension RateLimitClass {
    /// The original's user-key prefixes (`battle:<user>`, `template:<user>`).
    var keyPrefix: String {
        switch self {
        case .battleCreate: return "battle"
        case .templateCreate: return "template"
        default: return rawValue
        }
    }
}

extension RateLimitDecision {
    /// The decision's `RateLimit-*` (and, on a denial, `Retry-After`) headers.
    var httpFields: HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headerFields {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return fields
    }
}

/// An error whose response also carries `headers` (e.g. the login throttle's counters on a 401).
struct ErrorWithHeaders: Error {
    let error: any Error
    let headers: HTTPFields
}

/// A request refused by a rate limit; the error mapping answers 429 with the class's message and these headers.
struct RateLimitRejection: Error {
    let limitClass: RateLimitClass
    let headers: HTTPFields
}
