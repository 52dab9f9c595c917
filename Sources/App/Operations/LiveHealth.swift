import Domain
import Storage

/// The console's health section: the `doctor` checks run live (`Doctor.live`), the LLM provider with this process's
/// calls, errors and cache hit rate over the last hour, rate-limit rejections by class over the last hour, and whether
/// adaptive shedding is on. The per-hour figures come from `AppMetrics.recent` and are this process's own.
struct LiveHealth: Sendable {
    let doctor: Doctor
    /// The engine keeps one database file whose checks apply (SQLite).
    let databaseFile: Bool
    let metrics: AppMetrics
    let shedding: SheddingState
    let clock: any AppClock

    /// The rate-limit classes in the order the console lists them, with the words it uses; `login` is the login
    /// throttle's denials (any of its stages).
    static let rateLimitClasses: [(key: String, label: String)] = [
        (RateLimitClass.publicRead.rawValue, "Public pages and profiles"),
        (RateLimitClass.publicWrite.rawValue, "Follows (public writes)"),
        (RateLimitClass.battleCreate.rawValue, "Battle creation"),
        (RateLimitClass.templateCreate.rawValue, "Template creation"),
        (RateLimitClass.events.rawValue, "Analytics events"),
        (RateLimitClass.signup.rawValue, "Sign-ups"),
        ("login", "Failed logins"),
    ]

    func report(migrations: MigrationStatus?) async -> HealthReport {
        let calls = metrics.recent.llmCalls.totals()
        let cache = metrics.recent.llmCache.totals()
        let limited = metrics.recent.rateLimited.totals()
        let ok = calls["ok"] ?? 0
        let errors = calls["error"] ?? 0
        let checks = await doctor.live(databaseFile: databaseFile, migrations: migrations, llmCalls: ok + errors, llmErrors: errors)
        let known = Set(Self.rateLimitClasses.map(\.key))
        let other = limited.filter { !known.contains($0.key) }.values.reduce(0, +)
        var rejections = Self.rateLimitClasses.map { (label: $0.label, count: limited[$0.key] ?? 0) }
        if other > 0 { rejections.append((label: "Other", count: other)) }
        let config = doctor.config
        return HealthReport(
            now: clock.now(), processStartedAt: metrics.startedAt, checks: checks,
            provider: doctor.probesProvider ? "OpenAI-compatible at \(config.openAIBaseURL), model \(config.openAIModel)" : "Mock (built in)",
            llmCalls: ok + errors, llmErrors: errors, cacheHits: cache["hit"] ?? 0, cacheMisses: cache["miss"] ?? 0,
            rateLimited: rejections, shedding: shedding.isActive, shedQueueDepth: shedding.queueDepthThreshold,
            shedRetries: shedding.retriesThreshold)
    }
}

/// The health section's data.
struct HealthReport: Sendable {
    let now: Timestamp
    let processStartedAt: Timestamp
    let checks: [DoctorCheck]
    let provider: String
    let llmCalls: Int
    let llmErrors: Int
    let cacheHits: Int
    let cacheMisses: Int
    /// Rejections in the last hour by class, in `LiveHealth.rateLimitClasses` order.
    let rateLimited: [(label: String, count: Int)]
    let shedding: Bool
    let shedQueueDepth: Int
    let shedRetries: Int
}
