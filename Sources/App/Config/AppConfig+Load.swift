import Domain
import Foundation
import Storage

/// Loading from the environment, optionally layered over an env-style file (the environment wins).
extension AppConfig {
    /// Reads `FILE` (if given) and then the environment; throws the first invalid value.
    public static func load(environment: [String: String], configFile: String?) throws -> AppConfig {
        var values: [String: String] = [:]
        if let path = configFile, !path.isEmpty {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError(variable: "PERSONAWORLDS_CONFIG", problem: "cannot read config file \(path)")
            }
            values = EnvFile.parse(text)
        }
        for (key, value) in environment { values[key] = value }
        var config = try AppConfig(values: values)
        if let path = configFile, !path.isEmpty { config.sourceFile = path }
        return config
    }

    /// Builds the configuration from a flat key/value map.
    public init(values: [String: String]) throws {
        self.init()
        let r = ValueReader(values: values)
        appEnv = r.string("APP_ENV", appEnv).trimmingWhitespace().lowercased()
        bindAddress = r.string("BIND_ADDRESS", bindAddress)
        port = try r.int("PORT", port, range: 0...65535)
        databasePath = r.string("DATABASE_PATH", databasePath)
        if let url = r.raw("DATABASE_URL")?.trimmingWhitespace(), !url.isEmpty {
            do { databaseURL = try DatabaseURL(url) } catch { throw ConfigError(variable: "DATABASE_URL", problem: "\(error)") }
        }
        databasePoolSize = try r.int("DATABASE_POOL_SIZE", databasePoolSize, range: 1...100)
        if let secret = values["JWT_SECRET"], !secret.isEmpty { jwtSecret = secret }
        jwtSecretFile = r.raw("JWT_SECRET_FILE")
        if jwtSecret == nil, let path = jwtSecretFile { jwtSecret = try Self.readSecretFile(path) }
        llmProvider = r.string("LLM_PROVIDER", llmProvider)
        guard llmProvider == "mock" || llmProvider == "openai" else {
            throw ConfigError(variable: "LLM_PROVIDER", problem: "unknown provider \"\(llmProvider)\" (use mock or openai)")
        }
        openAIBaseURL = r.string("OPENAI_BASE_URL", openAIBaseURL)
        while openAIBaseURL.hasSuffix("/") { openAIBaseURL.removeLast() }
        openAIAPIKey = r.string("OPENAI_API_KEY", openAIAPIKey)
        openAIModel = r.string("OPENAI_MODEL", openAIModel)
        openAIRequestTimeout = try r.duration("OPENAI_REQUEST_TIMEOUT", openAIRequestTimeout, positive: true)
        openAIMaxRetries = min(5, try r.int("OPENAI_MAX_RETRIES", openAIMaxRetries, range: 0...Int.max))
        openAIRetryBase = try r.duration("OPENAI_RETRY_BASE", openAIRetryBase, positive: true)
        mockLLMLatency = try r.duration("MOCK_LLM_LATENCY", mockLLMLatency, positive: false)
        draftMaxLen = try r.int("DRAFT_MAX_LEN", draftMaxLen, range: 1...Int.max)
        replyMaxLen = try r.int("REPLY_MAX_LEN", replyMaxLen, range: 1...Int.max)
        summaryMaxLen = try r.int("SUMMARY_MAX_LEN", summaryMaxLen, range: 1...Int.max)
        summaryPrewarm = try r.bool("SUMMARY_PREWARM", summaryPrewarm)
        defaultDraftQuota = try r.int("DEFAULT_DRAFT_QUOTA", defaultDraftQuota, range: 1...Int.max)
        defaultReplyQuota = try r.int("DEFAULT_REPLY_QUOTA", defaultReplyQuota, range: 1...Int.max)
        defaultPreviewQuota = try r.int("DEFAULT_PREVIEW_QUOTA", defaultPreviewQuota, range: 1...Int.max)
        maxDailyQuota = try r.int("MAX_DAILY_QUOTA", maxDailyQuota, range: 1...Int.max)
        // A default above the cap would make every create that relies on it fail validation.
        for (key, value) in [("DEFAULT_DRAFT_QUOTA", defaultDraftQuota), ("DEFAULT_REPLY_QUOTA", defaultReplyQuota)] where value > maxDailyQuota {
            throw ConfigError(variable: key, problem: "\(value) is above MAX_DAILY_QUOTA (\(maxDailyQuota))")
        }
        maxPersonasPerUser = try r.int("MAX_PERSONAS_PER_USER", maxPersonasPerUser, range: 1...Int.max)
        frontendOrigin = r.string("FRONTEND_ORIGIN", frontendOrigin)
        corsAllowedOrigins = r.list("CORS_ALLOWED_ORIGINS")
        requestBodyMaxBytes = try r.int("REQUEST_BODY_MAX_BYTES", requestBodyMaxBytes, range: Int.min...Int.max)
        if requestBodyMaxBytes <= 0 { requestBodyMaxBytes = 1_048_576 }
        publicBodyMaxBytes = try r.int("PUBLIC_BODY_MAX_BYTES", publicBodyMaxBytes, range: Int.min...Int.max)
        if publicBodyMaxBytes <= 0 { publicBodyMaxBytes = 1_048_576 }
        apiRequestTimeout = max(0, try r.duration("API_REQUEST_TIMEOUT", apiRequestTimeout, positive: false, allowNegative: true))
        apiReadTimeout = try r.duration("API_READ_TIMEOUT", apiReadTimeout, positive: true)
        apiWriteTimeout = try r.duration("API_WRITE_TIMEOUT", apiWriteTimeout, positive: true)
        apiIdleTimeout = try r.duration("API_IDLE_TIMEOUT", apiIdleTimeout, positive: true)
        dbQueryTimeout = try r.duration("DB_QUERY_TIMEOUT", dbQueryTimeout, positive: false)
        workerPollEvery = try r.duration("WORKER_POLL_EVERY", workerPollEvery, positive: true)
        workerTaskTimeout = try r.duration("WORKER_TASK_TIMEOUT", workerTaskTimeout, positive: true)
        workerObservabilityPort = try r.int("WORKER_OBSERVABILITY_PORT", workerObservabilityPort, range: 0...65535)
        workerConcurrency = try r.int("WORKER_CONCURRENCY", workerConcurrency, range: 1...256)
        jobLeaseGrace = try r.duration("JOB_LEASE_GRACE", jobLeaseGrace, positive: true)
        secureCookies = try r.bool("SECURE_COOKIES", isProduction)
        let attempts = try r.int("JOB_MAX_ATTEMPTS", jobMaxAttempts, range: Int.min...Int.max)
        jobMaxAttempts = attempts < 1 ? 5 : min(attempts, 20)
        jobRetryBase = try r.duration("JOB_RETRY_BASE", jobRetryBase, positive: true)
        jobRetryMax = try r.duration("JOB_RETRY_MAX", jobRetryMax, positive: true)
        feedCacheTTL = try r.duration("FEED_CACHE_TTL", feedCacheTTL, positive: false)
        publicPageCacheTTL = try r.duration("PUBLIC_PAGE_CACHE_TTL", publicPageCacheTTL, positive: false)
        rateLimitPublicReadPerMin = try r.int("RATE_LIMIT_PUBLIC_READ_PER_MIN", rateLimitPublicReadPerMin, range: 0...Int.max)
        rateLimitPublicWritePerMin = try r.int("RATE_LIMIT_PUBLIC_WRITE_PER_MIN", rateLimitPublicWritePerMin, range: 0...Int.max)
        rateLimitBattleCreatePerMin = try r.int("RATE_LIMIT_BATTLE_CREATE_PER_MIN", rateLimitBattleCreatePerMin, range: 0...Int.max)
        rateLimitTemplateCreatePerMin = try r.int("RATE_LIMIT_TEMPLATE_CREATE_PER_MIN", rateLimitTemplateCreatePerMin, range: 0...Int.max)
        rateLimitEventsPerMin = try r.int("RATE_LIMIT_EVENTS_PER_MIN", rateLimitEventsPerMin, range: 0...Int.max)
        rateLimitLoginFailuresPerMin = try r.int("RATE_LIMIT_LOGIN_FAILURES_PER_MIN", rateLimitLoginFailuresPerMin, range: 0...Int.max)
        rateLimitLoginAccountFailuresPerHour = try r.int(
            "RATE_LIMIT_LOGIN_ACCOUNT_FAILURES_PER_HOUR", rateLimitLoginAccountFailuresPerHour, range: 0...Int.max)
        rateLimitSignupPerHour = try r.int("RATE_LIMIT_SIGNUP_PER_HOUR", rateLimitSignupPerHour, range: 0...Int.max)
        cardFontPath = r.string("CARD_FONT_PATH", cardFontPath)
        shedQueueDepth = try r.int("SHED_QUEUE_DEPTH", shedQueueDepth, range: 1...Int.max)
        shedRetries10m = try r.int("SHED_RETRIES_10M", shedRetries10m, range: 1...Int.max)
        adminEmails = r.list("ADMIN_EMAILS").map(AuthRules.normalizeEmail)
        trustedProxies = r.list("TRUSTED_PROXIES")
        do { _ = try TrustedProxies(entries: trustedProxies) } catch {
            throw ConfigError(variable: "TRUSTED_PROXIES", problem: String(describing: error))
        }
        if r.raw("MAX_CONNECTIONS") != nil { maxConnections = try r.int("MAX_CONNECTIONS", 0, range: 1...Int.max) }
        maxConnectionsPerIP = try r.int("MAX_CONNECTIONS_PER_IP", maxConnectionsPerIP, range: 1...Int.max)
        eventStreamsPerUser = try r.int("EVENT_STREAMS_PER_USER", eventStreamsPerUser, range: 0...1_000)
        eventStreamHeartbeat = try r.duration("EVENT_STREAM_HEARTBEAT", eventStreamHeartbeat, positive: true)
        eventStreamPollEvery = try r.duration("EVENT_STREAM_POLL_EVERY", eventStreamPollEvery, positive: true)
        eventStreamLifetime = try r.duration("EVENT_STREAM_LIFETIME", eventStreamLifetime, positive: true)
        if r.raw("METRICS_ALLOW") != nil { metricsAllow = r.list("METRICS_ALLOW") }
        do { _ = try IPNetworkList(entries: metricsAllow) } catch {
            throw ConfigError(variable: "METRICS_ALLOW", problem: String(describing: error))
        }
        allowedHosts = try r.list("ALLOWED_HOSTS").map { entry in
            guard let host = HostName(entry) else {
                throw ConfigError(variable: "ALLOWED_HOSTS", problem: "invalid host name \"\(entry)\" (want a name or an IP address, or *)")
            }
            return host.name
        }
        logLevel = r.string("LOG_LEVEL", logLevel).lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigError(variable: "LOG_LEVEL", problem: "unknown level \"\(logLevel)\"")
        }
        shutdownGrace = try r.duration("SHUTDOWN_GRACE", shutdownGrace, positive: true)
        backupDir = r.raw("BACKUP_DIR")
        backupEvery = try r.duration("BACKUP_EVERY", backupEvery, positive: false)
        // A backup copies the whole file; sub-second schedules would only be a typo (`24` for `24h` fails earlier).
        if backupEvery > 0 && backupEvery < 1 { throw ConfigError(variable: "BACKUP_EVERY", problem: "must be 0 (off) or at least 1s") }
        backupKeep = try r.int("BACKUP_KEEP", backupKeep, range: 1...10_000)
        jobRetentionDays = try r.int("JOB_RETENTION_DAYS", jobRetentionDays, range: 1...36_500)
        // Raw events feed the weekly digest's two-week "seen" list directly; shorter would change digests.
        eventRetentionDays = try r.int("EVENT_RETENTION_DAYS", eventRetentionDays, range: RetentionPolicy.minimumEventDays...36_500)
        llmCacheRetentionDays = try r.int("LLM_CACHE_RETENTION_DAYS", llmCacheRetentionDays, range: 1...36_500)
        readNotificationRetentionDays = try r.int("READ_NOTIFICATION_RETENTION_DAYS", readNotificationRetentionDays, range: 1...36_500)
        try validateSecret()
    }

    /// The secret in `JWT_SECRET_FILE`, surrounding whitespace (the file's newline) removed.
    private static func readSecretFile(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(variable: "JWT_SECRET_FILE", problem: "cannot read \(path)")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard secret.utf8.count >= 32 else {
            throw ConfigError(variable: "JWT_SECRET_FILE", problem: "\(path) must hold at least 32 bytes (got \(secret.utf8.count))")
        }
        return secret
    }

    /// `JWT_SECRET`: at least 32 bytes; production refuses an unset or default secret.
    private func validateSecret() throws {
        if let secret = jwtSecret {
            if isProduction && (secret == "change-me" || secret == "dev-secret") {
                throw ConfigError(variable: "JWT_SECRET", problem: "the default secret is refused when APP_ENV=\(appEnv)")
            }
            guard secret.utf8.count >= 32 else {
                throw ConfigError(variable: "JWT_SECRET", problem: "must be at least 32 bytes (got \(secret.utf8.count))")
            }
        } else if isProduction {
            throw ConfigError(variable: "JWT_SECRET", problem: "must be set (or JWT_SECRET_FILE) when APP_ENV=\(appEnv)")
        }
    }
}

/// Typed reads of raw values; an unset or empty value means the default.
private struct ValueReader {
    let values: [String: String]

    func raw(_ key: String) -> String? {
        guard let v = values[key], !v.isEmpty else { return nil }
        return v
    }

    func string(_ key: String, _ fallback: String) -> String { raw(key) ?? fallback }

    func int(_ key: String, _ fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = raw(key) else { return fallback }
        guard let v = Int(text.trimmingWhitespace()) else { throw ConfigError(variable: key, problem: "not a number: \"\(text)\"") }
        guard range.contains(v) else {
            throw ConfigError(
                variable: key, problem: "\(v) is out of range \(range.lowerBound)...\(range.upperBound == Int.max ? "" : String(range.upperBound))")
        }
        return v
    }

    func duration(_ key: String, _ fallback: Double, positive: Bool, allowNegative: Bool = false) throws -> Double {
        guard let text = raw(key) else { return fallback }
        guard let v = GoDuration.parse(text.trimmingWhitespace()) else {
            throw ConfigError(variable: key, problem: "not a duration: \"\(text)\" (use e.g. 400ms, 5s, 10m)")
        }
        if positive && v <= 0 { throw ConfigError(variable: key, problem: "must be a positive duration") }
        guard Swift.abs(v) <= GoDuration.maxSeconds else { throw ConfigError(variable: key, problem: "must be at most 8760h (a year)") }
        if !allowNegative && v < 0 { throw ConfigError(variable: key, problem: "must not be negative") }
        return v
    }

    func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let text = raw(key) else { return fallback }
        switch text.trimmingWhitespace().lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigError(variable: key, problem: "not a boolean: \"\(text)\" (use true or false)")
        }
    }

    /// Comma-separated, trimmed, blanks and duplicates dropped (first wins).
    func list(_ key: String) -> [String] {
        var out: [String] = []
        for item in (raw(key) ?? "").split(separator: ",") {
            let v = String(item).trimmingWhitespace()
            if !v.isEmpty && !out.contains(v) { out.append(v) }
        }
        return out
    }
}
