import Domain
import Hummingbird
import Store

/// `/healthz`, `/readyz` and `/metrics`.
struct OpsController: Sendable {
    let database: AppDatabase
    let metrics: AppMetrics
    let clock: any AppClock
    let maxAttempts: Int
    /// `METRICS_ALLOW`: the socket peers `/metrics` answers. Forwarding headers do not count: a proxy in front
    /// would otherwise make every internet client look like a private address.
    let metricsAllow: IPNetworkList

    init(database: AppDatabase, metrics: AppMetrics, clock: any AppClock, config: AppConfig) {
        self.database = database
        self.metrics = metrics
        self.clock = clock
        self.maxAttempts = config.jobMaxAttempts
        // Validated when the configuration was loaded; an unparsable list would answer nobody.
        self.metricsAllow = (try? IPNetworkList(entries: config.metricsAllow)) ?? .empty
    }

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/healthz", use: health)
        routes.on(.get, "/readyz", use: ready)
        routes.on(.get, "/metrics", use: exposition)
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> JSONResult<OKDTO> {
        JSONResult(OKDTO(ok: true))
    }

    /// Ready when the database answers and every migration this binary knows is applied.
    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> JSONResult<OKDTO> {
        do {
            try await database.ping()
        } catch {
            return JSONResult(OKDTO(ok: false, error: "database ping failed: \(error)"), status: .serviceUnavailable)
        }
        let status: AppDatabase.MigrationStatus
        do {
            status = try await database.migrationStatus()
        } catch {
            return JSONResult(OKDTO(ok: false, error: "could not read schema_migrations: \(error)"), status: .serviceUnavailable)
        }
        guard status.applied >= status.expected else {
            return JSONResult(
                OKDTO(ok: false, error: "migrations pending: applied=\(status.applied) expected=\(status.expected)"),
                status: .serviceUnavailable)
        }
        return JSONResult(OKDTO(ok: true))
    }

    @Sendable func exposition(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard metricsAllow.contains(context.peerAddress) else { throw DomainError.forbidden("forbidden") }
        do {
            let depth = try await database.queueDepth(maxAttempts: maxAttempts)
            for type in Set(depth.keys).union(JobKind.allCases.map(\.rawValue)) { metrics.setQueueDepth(type: type, depth: depth[type] ?? 0) }
        } catch {
            context.logger.warning("queue_depth_refresh_failed", metadata: ["error": .string("\(error)")])
        }
        let body = metrics.render(now: clock.now())
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .contentLength: String(body.utf8.count)],
            body: .init(byteBuffer: .init(string: body)))
    }
}
