import Domain
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Store

/// Everything `buildApplication` needs from outside: configuration and the process-wide singletons
/// that `main` owns (logger, metrics registry, clock).
public struct AppDependencies: Sendable {
    public var config: AppConfig
    public var logger: Logger
    public var registry: PrometheusCollectorRegistry
    public var clock: any AppClock

    public init(config: AppConfig, logger: Logger, registry: PrometheusCollectorRegistry = .init(), clock: any AppClock = SystemClock()) {
        self.config = config; self.logger = logger; self.registry = registry; self.clock = clock
    }
}

/// The one composition root: opens and migrates the store, wires services, controllers and middleware.
public func buildApplication(_ deps: AppDependencies) async throws -> some ApplicationProtocol {
    let parts = try await AppParts.make(deps)
    return Application(
        router: parts.router,
        configuration: .init(address: .hostname(deps.config.bindAddress, port: deps.config.port), serverName: nil),
        services: parts.services,
        logger: deps.logger
    )
}

/// The wired application pieces, shared by `buildApplication` and the CLI commands.
struct AppParts {
    let router: Router<AppRequestContext>
    let services: [any Service]
    let database: AppDatabase

    static func make(_ deps: AppDependencies) async throws -> AppParts {
        let config = deps.config
        let metrics = AppMetrics(registry: deps.registry, clock: deps.clock)
        let database = try await openDatabase(config: config, metrics: metrics, clock: deps.clock)
        let secret = try JWTSecretStore.resolve(config: config, logger: deps.logger)
        let tokens = await TokenService(secret: secret, clock: deps.clock)
        let auth = AuthService(database: database, tokens: tokens, hasher: PasswordHasher(), clock: deps.clock)
        let limits = BodyLimits(config: config)

        let table = RouteTable()
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: RequestContextMiddleware(requestTimeout: config.apiRequestTimeout, ids: RequestIDGenerator()))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: metrics, routes: table))
        router.add(middleware: CORSMiddleware(policy: CORSPolicy(origins: config.effectiveCORSOrigins)))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RouteGuardMiddleware(routes: table))

        let open = RouteRegistrar(group: router.group(), table: table)
        let protected = open.with(AuthMiddleware(auth: auth))
        OpsController(database: database, metrics: metrics, clock: deps.clock).addRoutes(to: open)
        AuthController(service: auth, limits: limits).addRoutes(to: open)
        PersonasController(service: PersonaService(database: database, clock: deps.clock, config: config),
                           limits: limits, shareBase: config.shareBase).addRoutes(to: protected)
        RoomsController(database: database).addRoutes(to: protected)

        return AppParts(router: router, services: [DatabaseCloser(database: database)], database: database)
    }

    /// Opens the file, applies the schema and seeds the defaults (idempotent).
    static func openDatabase(config: AppConfig, metrics: AppMetrics?, clock: any AppClock) async throws -> AppDatabase {
        let settings = DatabaseSettings(path: config.databasePath, queryTimeout: config.dbQueryTimeout)
        let database = try AppDatabase(settings: settings, observe: { seconds in metrics?.recordDatabaseCall(seconds: seconds) })
        try await database.migrate()
        try await database.seedDefaults(now: clock.now())
        return database
    }
}

/// Closes the database after the server has drained, on graceful shutdown.
struct DatabaseCloser: Service {
    let database: AppDatabase

    func run() async throws {
        try? await gracefulShutdown()
        try? database.close()
    }
}
