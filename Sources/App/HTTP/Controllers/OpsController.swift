import Domain
import Hummingbird
import Store

/// `/healthz`, `/readyz` and `/metrics`.
struct OpsController: Sendable {
    let database: AppDatabase
    let metrics: AppMetrics
    let clock: any AppClock
    let maxAttempts: Int
    let heartbeat: ExecutorHeartbeat

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/healthz", use: health)
        routes.on(.get, "/readyz", use: ready)
        routes.on(.get, "/metrics", use: exposition)
    }

    /// Alive when the request is answered and the concurrency executor still runs tasks (`ExecutorHeartbeat`).
    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> JSONResult<OKDTO> {
        if let stall = heartbeat.stall() {
            let millis = stall.components.seconds * 1000 + stall.components.attoseconds / 1_000_000_000_000_000
            return JSONResult(OKDTO(ok: false, error: "executor stalled: no heartbeat for \(millis) ms"), status: .serviceUnavailable)
        }
        return JSONResult(OKDTO(ok: true))
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
