import Domain

/// This process's last hour for the operator console, fed by the same calls that feed the Prometheus counters:
/// LLM provider calls by outcome (`ok`, `error`), LLM cache lookups (`hit`, `miss`) and rate-limit rejections by class
/// (the `endpoint` label of `rate_limit_events_total`). Per process by nature: a split deployment's other processes
/// count their own, and `/metrics` of each is the place to add them up.
struct RecentActivity: Sendable {
    let llmCalls: MinuteRing
    let llmCache: MinuteRing
    let rateLimited: MinuteRing

    init(clock: any AppClock) {
        llmCalls = MinuteRing(clock: clock)
        llmCache = MinuteRing(clock: clock)
        rateLimited = MinuteRing(clock: clock)
    }
}
