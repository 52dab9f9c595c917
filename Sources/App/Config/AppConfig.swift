import Domain
import Storage

/// Every setting of the appliance, parsed and validated once at start-up (a bad value exits with status 2, naming the variable).
public struct AppConfig: Sendable {
    public var appEnv = "dev"
    public var bindAddress = "0.0.0.0"
    public var port = 8080
    public var databasePath = "./data/personaworlds.sqlite"
    /// `DATABASE_URL`: PostgreSQL instead of the SQLite file at `databasePath` when set.
    public var databaseURL: DatabaseURL?
    /// Connections one process keeps to PostgreSQL at most (`DATABASE_POOL_SIZE`).
    public var databasePoolSize = 10
    /// Explicit `JWT_SECRET` (or the contents of `JWT_SECRET_FILE`); nil means "generate and persist one"
    /// (refused in production).
    public var jwtSecret: String?
    /// `JWT_SECRET_FILE`: a file holding the secret (the package generates one at install); `JWT_SECRET` wins.
    public var jwtSecretFile: String?
    public var llmProvider = "mock"
    public var openAIBaseURL = "https://api.openai.com"
    public var openAIAPIKey = ""
    public var openAIModel = "gpt-4o-mini"
    public var openAIRequestTimeout = 20.0
    public var openAIMaxRetries = 2
    public var openAIRetryBase = 0.4
    public var mockLLMLatency = 0.0
    public var draftMaxLen = 500
    public var replyMaxLen = 280
    public var summaryMaxLen = 400
    /// The worker writes a post's thread summary as soon as its pending replies are done (`ThreadSummaryWarmer`), so
    /// the next view finds it cached; off, the first view after new replies waits for the provider.
    public var summaryPrewarm = true
    public var defaultDraftQuota = 5
    public var defaultReplyQuota = 25
    public var defaultPreviewQuota = 5
    /// The largest `daily_draft_quota` / `daily_reply_quota` a persona may have.
    public var maxDailyQuota = PersonaRules.defaultMaxDailyQuota
    /// How many personas one user may own.
    public var maxPersonasPerUser = PersonaRules.defaultMaxPersonasPerUser
    public var frontendOrigin = "http://localhost:3000"
    public var corsAllowedOrigins: [String] = []
    public var requestBodyMaxBytes = 1_048_576
    public var publicBodyMaxBytes = 65_536
    /// Per-request deadline in seconds; 0 means none.
    public var apiRequestTimeout = 15.0
    public var apiReadTimeout = 15.0
    public var apiWriteTimeout = 30.0
    public var apiIdleTimeout = 60.0
    /// Statement timeout in seconds; 0 means none.
    public var dbQueryTimeout = 5.0
    public var workerPollEvery = 3.0
    public var workerTaskTimeout = 15.0
    public var workerObservabilityPort = 9091
    public var workerConcurrency = 4
    public var jobLeaseGrace = 30.0
    public var secureCookies = false
    public var jobMaxAttempts = 5
    public var jobRetryBase = 30.0
    public var jobRetryMax = 600.0
    public var feedCacheTTL = 15.0
    /// `PUBLIC_PAGE_CACHE_TTL`: seconds a rendered public profile (`GET /p/{slug}`) is served before it is rendered
    /// again; 0 = no cache. Changes evict it on every node at once, so this bounds staleness only for a lost
    /// notification.
    public var publicPageCacheTTL = PublicPageCache.defaultTTL
    public var rateLimitPublicReadPerMin = 120
    public var rateLimitPublicWritePerMin = 30
    public var rateLimitBattleCreatePerMin = 20
    public var rateLimitTemplateCreatePerMin = 10
    /// `POST /events` per client IP per minute; 0 disables.
    public var rateLimitEventsPerMin = 600
    /// Failed logins per account from one client IP per minute (the per-IP limit is ten times this); 0 turns login
    /// throttling off altogether.
    public var rateLimitLoginFailuresPerMin = LoginThrottle.defaultFailuresPerMinute
    /// Failed logins per account per hour from all addresses before each further one doubles a delay; 0 disables
    /// that stage.
    public var rateLimitLoginAccountFailuresPerHour = LoginThrottle.defaultAccountFailuresPerHour
    /// Signups (API and form) per client IP per hour; 0 disables.
    public var rateLimitSignupPerHour = 20
    /// The TrueType font the share card is drawn with.
    public var cardFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    public var shedQueueDepth = 200
    public var shedRetries10m = 30
    public var adminEmails: [String] = []
    public var trustedProxies: [String] = []
    /// `MAX_CONNECTIONS`: open client connections in total; nil derives it from the open-file limit
    /// (`ConnectionLimits.resolve`).
    public var maxConnections: Int?
    /// `MAX_CONNECTIONS_PER_IP`: open client connections of one client address.
    public var maxConnectionsPerIP = 256
    /// `EVENT_STREAMS_PER_USER`: open `GET /posts/{id}/events` streams of one user (over it: 429).
    public var eventStreamsPerUser = 4
    /// `EVENT_STREAM_HEARTBEAT`: seconds between the stream's `: heartbeat` comment lines.
    public var eventStreamHeartbeat = 10.0
    /// `EVENT_STREAM_POLL_EVERY`: seconds between the stream's looks at the store (replies written by another
    /// process; the session still valid).
    public var eventStreamPollEvery = 2.0
    /// `EVENT_STREAM_LIFETIME`: seconds a stream stays open before it ends (the browser reconnects); never more
    /// than `API_WRITE_TIMEOUT` allows (`eventStreamEffectiveLifetime`).
    public var eventStreamLifetime = 25.0
    /// `METRICS_ALLOW`: the socket peers `/metrics` answers (addresses and CIDR networks).
    public var metricsAllow = AppConfig.defaultMetricsAllow
    /// `ALLOWED_HOSTS`: `Host` names served in production besides `FRONTEND_ORIGIN`'s and loopback.
    public var allowedHosts: [String] = []
    public var logLevel = "info"
    /// Graceful shutdown budget in seconds.
    public var shutdownGrace = 15.0
    /// Explicit `BACKUP_DIR`; nil means `backups/` beside the database (see `backupDirectory`).
    public var backupDir: String?
    /// Seconds between scheduled backups; 0 turns them off.
    public var backupEvery = 86_400.0
    /// How many scheduled backups are kept.
    public var backupKeep = 7
    /// Retention windows in days (`JOB_RETENTION_DAYS`, `EVENT_RETENTION_DAYS`, `LLM_CACHE_RETENTION_DAYS`,
    /// `READ_NOTIFICATION_RETENTION_DAYS`), pruned daily by the maintenance service.
    public var jobRetentionDays = 7
    public var eventRetentionDays = 90
    public var llmCacheRetentionDays = 30
    public var readNotificationRetentionDays = 180
    /// The env-style file the values were layered over, if any (shown by `doctor`).
    public var sourceFile: String?

    public init() {}

    /// Loopback and the private ranges: a scraper on the box or the local network, not the internet.
    public static let defaultMetricsAllow = ["127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]

    /// `EVENT_STREAM_LIFETIME`, cut so the stream ends (checked on each tick, the shorter of the heartbeat and
    /// the poll) before the connection's write deadline (`API_WRITE_TIMEOUT`) would reset it mid-event; at least
    /// one second.
    public var eventStreamEffectiveLifetime: Double {
        max(1, min(eventStreamLifetime, apiWriteTimeout - min(eventStreamPollEvery, eventStreamHeartbeat) - 1))
    }

    /// What the daily pruning pass deletes.
    public var retentionPolicy: RetentionPolicy {
        RetentionPolicy(
            jobDays: jobRetentionDays, eventDays: eventRetentionDays, llmCacheDays: llmCacheRetentionDays,
            readNotificationDays: readNotificationRetentionDays, maxAttempts: jobMaxAttempts)
    }

    /// `APP_ENV` is `prod` or `production`.
    public var isProduction: Bool { appEnv == "prod" || appEnv == "production" }

    /// `FRONTEND_ORIGIN` without trailing slashes, the base of share URLs.
    public var shareBase: String {
        var s = Substring(frontendOrigin)
        while s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }

    /// The CORS allow-list after defaults (`FRONTEND_ORIGIN`, plus localhost:3000 outside production).
    public var effectiveCORSOrigins: [String] {
        if !corsAllowedOrigins.isEmpty { return corsAllowedOrigins }
        var out = [frontendOrigin]
        if !isProduction {
            for extra in ["http://localhost:3000", "http://127.0.0.1:3000"] where !out.contains(extra) { out.append(extra) }
        }
        return out
    }

    /// The directory holding the database file (and the generated JWT secret).
    public var dataDirectory: String {
        guard let slash = databasePath.lastIndex(of: "/") else { return "." }
        let dir = String(databasePath[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// The database this configuration uses, as the commands name it: the PostgreSQL server and database of
    /// `DATABASE_URL` when set (user, host or socket, port and database name; never the password), else the SQLite file
    /// at `DATABASE_PATH`. The one rule for every message that says which database a command worked on.
    public var databaseDescription: String { databaseURL.map { "PostgreSQL at \($0.redacted)" } ?? databasePath }

    /// Where backups go: `BACKUP_DIR`, else a `backups` folder beside the database file.
    public var backupDirectory: String { backupDir ?? dataDirectory + "/backups" }
}

/// A configuration value that cannot be used; the process exits with status 2 showing `description`.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String
    public var description: String { "config: \(variable): \(problem)" }
}
