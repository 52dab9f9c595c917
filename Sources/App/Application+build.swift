import Card
import Domain
import Foundation
import HTTPClient
import Hummingbird
import HummingbirdCore
import LLM
import Logging
import Prometheus
import ServiceLifecycle
import Storage
import Web
import Worker

/// Everything `buildApplication` needs from outside: configuration and the process-wide singletons
/// that `main` owns (logger, metrics registry, clock).
public struct AppDependencies: Sendable {
    public var config: AppConfig
    public var logger: Logger
    public var registry: PrometheusCollectorRegistry
    public var clock: any AppClock
    /// Whether this process runs the worker pool (false for `serve --no-worker` and for some tests).
    public var runWorker: Bool
    /// Whether this process serves HTTP (false for `serve --worker-only`); with `runWorker`, the role its node
    /// heartbeat reports.
    public var servesHTTP = true
    /// Overrides the configured LLM provider (tests, benchmarks).
    public var llm: (any LLMClient)?
    /// Overrides the engine's online backup for the scheduler and the console's "Back up now" (tests: a backup that
    /// is held while it runs, or none, as on an engine without one).
    public var onlineBackup: OnlineBackupOverride?
    /// What systemd passed for sd_notify (`.absent` outside systemd and in tests).
    public var systemd: SystemdEnvironment
    /// Hashes passwords at signup (bcrypt, cost 10 as the original). Tests pass a cheaper cost: every in-process app of
    /// a test run shares one small thread pool for hashing, and at cost 10 a suite's signups queue on it for longer
    /// than a live-mode client waits.
    public var passwordHasher = PasswordHasher()

    public init(
        config: AppConfig, logger: Logger, registry: PrometheusCollectorRegistry = .init(), clock: any AppClock = SystemClock(),
        runWorker: Bool = true, llm: (any LLMClient)? = nil, systemd: SystemdEnvironment = .absent
    ) {
        self.config = config
        self.logger = logger
        self.registry = registry
        self.clock = clock
        self.runWorker = runWorker
        self.llm = llm
        self.systemd = systemd
    }
}

/// What replaces the engine's online backup.
public enum OnlineBackupOverride: Sendable {
    case replace(any OnlineBackup)
    /// As on an engine without an online backup (PostgreSQL).
    case absent
}

/// The one composition root: opens and migrates the store, wires services, controllers and middleware.
public func buildApplication(_ deps: AppDependencies) async throws -> some ApplicationProtocol {
    let parts = try await AppParts.make(deps)
    return Application(
        router: parts.router,
        server: try httpServer(deps.config, metrics: parts.metrics),
        configuration: .init(address: .hostname(deps.config.bindAddress, port: deps.config.port), serverName: nil),
        services: parts.services,
        onServerRunning: {
            [supervision = parts.supervision, address = deps.config.bindAddress, pause = AcceptPauseHandler.install(logger: deps.logger)] in
            await pause($0)
            supervision.serverRunning($0, address: address)
        },
        logger: deps.logger
    )
}

/// HTTP/1 with the connection caps (`MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_IP`) and the configured read, write
/// and idle timeouts on every connection. Throws `ConfigError` for a `MAX_CONNECTIONS` the open-file limit cannot hold.
func httpServer(_ config: AppConfig, metrics: AppMetrics?) throws -> HTTPServerBuilder {
    let timeouts = ConnectionTimeoutHandler.Timeouts(read: config.apiReadTimeout, write: config.apiWriteTimeout, idle: config.apiIdleTimeout)
    let limiter = try ConnectionLimiter(config: config, metrics: metrics)
    return .http1(
        configuration: .init(additionalChannelHandlers: [ConnectionLimitHandler(limiter: limiter), ConnectionTimeoutHandler(timeouts: timeouts)]))
}

/// The wired application pieces, shared by `buildApplication` and the CLI commands.
struct AppParts {
    let router: Router<AppRequestContext>
    /// Background services: the worker pool, digest and backup schedulers (when the worker runs), the engine's
    /// housekeeping, the event writer, the node heartbeat, the console's backups and the store closer, which runs last.
    /// Each under its type's name (`NamedService`).
    let services: [any Service]
    let health: HealthService
    let metrics: AppMetrics
    let supervision: Supervision
    /// The routes and the controllers that serve them (the route index).
    let routes: RouteTable

    static func make(_ deps: AppDependencies) async throws -> AppParts {
        let config = deps.config
        let metrics = AppMetrics(registry: deps.registry, clock: deps.clock)
        let supervision = Supervision(systemd: deps.systemd, logger: deps.logger)
        let (engine, startup, startupState) = try await StoreEngine.openForServing(
            config: config, clock: deps.clock, logger: deps.logger, observe: { seconds in metrics.recordDatabaseCall(seconds: seconds) },
            observePool: metrics.poolObserver,
            prepared: { [clock = deps.clock, logger = deps.logger] store in
                try await AnalyticsService(store: store, clock: clock).bootstrapAdmins(emails: config.adminEmails, logger: logger)
            })
        let store = engine.store
        if let figures = engine.poolFigures { metrics.watchPool(figures) }
        let secret = try JWTSecretStore.resolve(config: config, logger: deps.logger)
        let tokens = await TokenService(secret: secret, clock: deps.clock)
        let pages = PublicPageCache(ttl: config.publicPageCacheTTL)
        let authCache = AuthCache()
        let signal = WakeSignal()
        let nodeCaches = NodeCaches(pages: pages, auth: authCache)
        let signals = engine.makeSignals(signal, deps.runWorker, { nodeCaches.evict($0) }, deps.logger)
        let caches = signals.caches
        let auth = AuthService(store: store, tokens: tokens, hasher: deps.passwordHasher, clock: deps.clock, cache: authCache, caches: caches)
        let limits = BodyLimits(config: config)
        let llm = deps.llm ?? makeLLM(config: config, cache: store, metrics: metrics, clock: deps.clock)
        let rateLimits = engine.makeRateLimits(deps.clock, deps.logger)
        let summaries = ThreadSummaryCache(
            store: store, llm: llm, providerKey: "\(config.llmProvider):\(config.openAIModel)",
            summaryMaxLen: config.summaryMaxLen, clock: deps.clock, metrics: metrics)
        let posts = PostService(store: store, llm: llm, clock: deps.clock, config: config, signal: signals.wakeUps, summaries: summaries)

        let events = EventRecorder(store: store, actors: EventActorKey(secret: secret), clock: deps.clock, logger: deps.logger)
        let battles = BattleService(
            store: store, clock: deps.clock, config: config, signal: signals.wakeUps, caches: caches,
            remixTokens: await RemixTokenService(secret: secret, clock: deps.clock), events: events)
        let cards = CardService(fontPath: config.cardFontPath, shareBase: config.shareBase)
        if case .failure(let error) = cards.renderer {
            deps.logger.error("card_font_unavailable", metadata: ["path": .string(config.cardFontPath), "detail": .string("\(error)")])
        }
        let limiter = try RateLimiter(config: config, store: rateLimits.store, clock: deps.clock, metrics: metrics)
        let health = HealthService(store: store, maxAttempts: config.jobMaxAttempts, startup: startupState)
        let analytics = AnalyticsService(store: store, clock: deps.clock)
        let templates = TemplateService(store: store, clock: deps.clock)
        let notifications = NotificationService(store: store, clock: deps.clock)

        let notifier = LiveThreadNotifier()
        let sessions = BrowserSessions(
            auth: auth, csrf: CSRFGuard(secret: secret, origins: SiteOrigins(config: config)), cookie: SessionCookie(secure: config.secureCookies))
        let flow = LoginFlow(service: auth, limiter: limiter)
        // A worker-only node never serves its router (its monitoring port has a router of its own), so it does not parse
        // the page templates: a tenth of its start-up's CPU, paid again by every node started.
        let kit = PageKit(
            renderer: try deps.servesHTTP ? PageRenderer() : PageRenderer(files: [:]), assets: WebAssets(), auth: auth, csrf: sessions.csrf,
            shareBase: config.shareBase, forms: PageForms(csrf: sessions.csrf, limits: limits, limiter: limiter))

        let table = RouteTable()
        let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(
            middleware: RequestContextMiddleware(
                requestTimeout: config.apiRequestTimeout, ids: RequestIDGenerator(),
                trustedProxies: limiter.trustedProxies))
        router.add(middleware: HeadMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ResponseCompressionMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: CORSMiddleware(policy: CORSPolicy(config: config)))
        router.add(middleware: ErrorMiddleware())
        if config.isProduction { router.add(middleware: HostGuardMiddleware(hosts: HostAllowList(config: config))) }
        let profiles = PublicProfileService(store: store, clock: deps.clock, events: events)
        let publicPages = PublicPagesController(kit: kit, profiles: profiles, battles: battles, posts: posts, caches: caches)
        router.add(
            middleware: PageNegotiationMiddleware(
                pages: publicPages, session: PageSessionMiddleware(sessions: sessions),
                errors: PageErrorMiddleware(kit: kit),
                limit: RateLimitMiddleware(limiter: limiter, limitClass: .publicRead)))
        router.add(middleware: RouteGuardMiddleware(routes: table))

        let open = RouteRegistrar(group: router.group(), table: table)
        let protected = open.with(AuthMiddleware(auth: auth, sessions: sessions))
        let optional = open.with(OptionalAuthMiddleware(auth: auth, sessions: sessions))
        let web = open.with(PageSessionMiddleware(sessions: sessions)).with(PageErrorMiddleware(kit: kit))
        let routes = RouteGroups(
            open: open, protected: protected,
            publicRead: optional.with(RateLimitMiddleware(limiter: limiter, limitClass: .publicRead)),
            publicWrite: optional.with(RateLimitMiddleware(limiter: limiter, limitClass: .publicWrite)),
            events: optional.with(RateLimitMiddleware(limiter: limiter, limitClass: .events)),
            battleCreate: protected.with(RateLimitMiddleware(limiter: limiter, limitClass: .battleCreate)),
            templateCreate: protected.with(RateLimitMiddleware(limiter: limiter, limitClass: .templateCreate)),
            signup: open.with(RateLimitMiddleware(limiter: limiter, limitClass: .signup)))
        OpsController(health: health, metrics: metrics, clock: deps.clock, heartbeat: supervision.heartbeat, config: config).addRoutes(to: open)
        AuthController(service: auth, limits: limits, flow: flow).addRoutes(to: routes)
        let personas = PersonaService(store: store, clock: deps.clock, config: config)
        let digests = DigestService(store: store, clock: deps.clock)
        let feed = FeedService(store: store, clock: deps.clock, ttl: config.feedCacheTTL)
        PersonasController(
            service: personas, posts: posts, digests: digests,
            limits: limits, shareBase: config.shareBase, caches: caches
        ).addRoutes(to: protected)
        RoomsController(posts: posts, battles: battles, limits: limits).addRoutes(to: routes)
        PostsController(service: posts, limits: limits, caches: caches).addRoutes(to: routes)
        PostEventsController(
            posts: posts, auth: auth, notifier: notifier, limiter: EventStreamLimiter(perUser: config.eventStreamsPerUser),
            settings: .init(
                heartbeat: config.eventStreamHeartbeat, pollEvery: config.eventStreamPollEvery,
                lifetime: config.eventStreamEffectiveLifetime)
        ).addRoutes(to: routes)
        PublicBattlesController(battles: battles, posts: posts, cards: cards, shareBase: config.shareBase).addRoutes(to: routes)
        BattlesController(service: battles).addRoutes(to: routes)
        PublicProfilesController(service: profiles, limits: limits, pages: pages, caches: caches).addRoutes(to: routes)
        TemplatesController(service: templates, limits: limits).addRoutes(to: routes)
        EventsController(events: events, limits: limits, clock: deps.clock).addRoutes(to: routes)
        FeedController(service: feed).addRoutes(to: routes)
        NotificationsController(service: notifications).addRoutes(to: routes)
        DigestController(service: digests).addRoutes(to: routes)
        AdminController(service: analytics).addRoutes(to: routes)
        HomePagesController(kit: kit, auth: auth, flow: flow, limiter: limiter, cookie: sessions.cookie, limits: limits).addRoutes(to: web)
        AssetsController(assets: kit.assets).addRoutes(to: open)
        PersonaPagesController(kit: kit, personas: personas, digests: digests, caches: caches, clock: deps.clock).addRoutes(to: web)
        RoomPagesController(kit: kit, posts: posts, personas: personas, caches: caches).addRoutes(to: web)
        publicPages.addRoutes(to: web)
        BattlePagesController(kit: kit, battles: battles, personas: personas, posts: posts, templateService: templates).addRoutes(to: web)
        InboxPagesController(kit: kit, feed: feed, digests: digests, notifications: notifications, templates: templates, clock: deps.clock)
            .addRoutes(to: web)
        let backupGate = BackupGate()
        let catalog = BackupCatalog(directory: config.backupDirectory)
        let onlineBackup: (any OnlineBackup)? =
            switch deps.onlineBackup {
            case nil: engine.backup
            case .replace(let backup): backup
            case .absent: nil
            }
        let manualBackups = ManualBackups(backup: onlineBackup, catalog: catalog, gate: backupGate, clock: deps.clock, logger: deps.logger)
        let heartbeat = NodeHeartbeat(
            store: store, node: NodeHeartbeat.node(role: .init(servesHTTP: deps.servesHTTP, runsWorker: deps.runWorker), clock: deps.clock),
            clock: deps.clock, logger: deps.logger)
        // The first heartbeat before serving, so the process is listed from its first request on; on PostgreSQL the
        // pool runs only once the services start, so the heartbeat service's first beat is the first there.
        if engine.kind == .sqlite { await heartbeat.beat() }
        let operations = OperationsService(
            store: store, clock: deps.clock, maxAttempts: config.jobMaxAttempts, signal: signal,
            health: LiveHealth(
                doctor: Doctor(config: config, clock: deps.clock, probeLLM: nil), databaseFile: engine.databaseFile != nil, metrics: metrics,
                shedding: limiter.shedding, clock: deps.clock),
            backups: manualBackups, catalog: catalog, schedule: (every: config.backupEvery, keep: config.backupKeep), node: heartbeat.node,
            logger: deps.logger)
        AdminPagesController(kit: kit, analytics: analytics, operations: operations, limits: limits).addRoutes(to: web)

        // Services shut down in reverse order: the worker drains and events flush before the store closes.
        // A server database's pool and start-up come first, so they stop last.
        var services: [any Service] = startup.map { [$0] } ?? []
        services.append(StoreCloser(store: store))
        // Background loops that query the store wait for the start-up (on PostgreSQL it migrates while serving).
        let afterStartup = { (service: any Service) -> any Service in AfterStartup(state: startupState, service: service) }
        if let maintenance = engine.maintenance {
            services.append(
                afterStartup(
                    StoreMaintenanceService(maintenance: maintenance, retention: config.retentionPolicy, clock: deps.clock, logger: deps.logger)))
        }
        if let housekeeping = rateLimits.housekeeping { services.append(afterStartup(housekeeping)) }
        // Every node hears cache evictions; worker nodes also hear other nodes' enqueues (PostgreSQL).
        if let listener = signals.listener { services.append(listener) }
        services += [
            events,
            afterStartup(
                SheddingMonitor(limiter: limiter, store: store, metrics: metrics, clock: deps.clock, maxAttempts: config.jobMaxAttempts)),
            afterStartup(heartbeat), manualBackups,
        ]
        if deps.runWorker {
            metrics.announceJobs(types: JobKind.allCases.map(\.rawValue), statuses: WorkerMetrics.statuses)
            var jobSettled: @Sendable (ClaimedJob) -> Void = { _ in }
            if config.summaryPrewarm {
                let warmer = ThreadSummaryWarmer(
                    posts: store, summaries: summaries, maxAttempts: config.jobMaxAttempts, logger: deps.logger)
                services.append(warmer)
                jobSettled = { job in warmer.jobSettled(job) }
            }
            let handler = ReplyJobHandler(
                queue: store, llm: llm, clock: deps.clock, replyMaxLength: config.replyMaxLen,
                replyWritten: { postID in
                    cards.invalidate(battleID: postID)
                    notifier.replyWritten(postID: postID)
                })
            services.append(
                afterStartup(
                    WorkerPool(
                        queue: store, handler: handler, signal: signal, clock: deps.clock,
                        settings: workerSettings(config, writeAhead: engine.workerWriteAhead), metrics: workerMetrics(metrics), logger: deps.logger,
                        jobSettled: jobSettled)))
            services.append(
                afterStartup(
                    DigestScheduler(
                        store: store, llm: llm, clock: deps.clock,
                        settings: .init(interval: config.workerPollEvery, summaryMaxLength: config.summaryMaxLen),
                        logger: deps.logger)))
            if config.backupEvery > 0, engine.kind == .postgres {
                // Every worker node would copy the one shared database; PostgreSQL's own tools back it up instead.
                deps.logger.notice(
                    "backup_scheduler_disabled",
                    metadata: ["reason": "BACKUP_EVERY applies to SQLite only; on PostgreSQL take backups with pg_dump (see `personaworlds backup`)"])
            } else if config.backupEvery > 0, let backup = onlineBackup {
                services.append(
                    BackupScheduler(
                        backup: backup, catalog: catalog, clock: deps.clock,
                        metrics: metrics, settings: .init(interval: config.backupEvery, keep: config.backupKeep),
                        logger: deps.logger, gate: backupGate))
            }
        }
        services += supervision.services
        return AppParts(
            router: router, services: services.map(NamedService.init), health: health, metrics: metrics, supervision: supervision,
            routes: table)
    }

    /// The configured LLM provider: the deterministic mock, or OpenAI-compatible over libcurl with the SQLite cache.
    static func makeLLM(config: AppConfig, cache: any LLMCacheStore, metrics: AppMetrics, clock: any AppClock) -> any LLMClient {
        guard config.llmProvider == "openai" else {
            return MockLLM(
                caps: .init(draft: config.draftMaxLen, reply: config.replyMaxLen, summary: config.summaryMaxLen),
                latency: config.mockLLMLatency)
        }
        let settings = OpenAILLM.Settings(
            baseURL: config.openAIBaseURL, apiKey: config.openAIAPIKey, model: config.openAIModel,
            requestTimeout: config.openAIRequestTimeout, maxRetries: config.openAIMaxRetries,
            retryBase: config.openAIRetryBase)
        return OpenAILLM(
            settings: settings, transport: CurlTransport(),
            cache: StoredLLMCache(store: cache, clock: clock, metrics: metrics),
            observe: { op, outcome, seconds in metrics.recordLLMCall(op: op, outcome: outcome, seconds: seconds) })
    }

    static func workerSettings(_ config: AppConfig, writeAhead: Int = 1) -> WorkerPool.Settings {
        WorkerPool.Settings(
            concurrency: config.workerConcurrency, pollEvery: config.workerPollEvery, taskTimeout: config.workerTaskTimeout,
            retryBase: config.jobRetryBase, retryCap: config.jobRetryMax, shutdownGrace: config.shutdownGrace,
            policy: QueuePolicy(maxAttempts: config.jobMaxAttempts, leaseSeconds: config.workerTaskTimeout + config.jobLeaseGrace),
            writeAhead: writeAhead)
    }

    static func workerMetrics(_ metrics: AppMetrics) -> WorkerMetrics {
        WorkerMetrics(
            processed: { type, status, seconds, traced in metrics.recordJob(type: type, status: status, seconds: seconds, traced: traced) },
            retried: { type in metrics.recordJobRetry(type: type) })
    }
}

/// Closes the store after the server has drained, on graceful shutdown.
struct StoreCloser: Service {
    let store: any AppStore

    func run() async throws {
        try? await gracefulShutdown()
        try? await store.close()
    }
}
