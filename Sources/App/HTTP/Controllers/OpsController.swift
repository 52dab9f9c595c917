import Domain
import Hummingbird
import Storage

/// `/healthz`, `/readyz` and `/metrics`.
struct OpsController: Sendable {
    let health: HealthService
    let metrics: AppMetrics
    let clock: any AppClock
    let heartbeat: ExecutorHeartbeat
    /// `METRICS_ALLOW`: the socket peers `/metrics` answers. Forwarding headers do not count: a proxy in front
    /// would otherwise make every internet client look like a private address.
    let metricsAllow: IPNetworkList

    init(health: HealthService, metrics: AppMetrics, clock: any AppClock, heartbeat: ExecutorHeartbeat, config: AppConfig) {
        self.health = health
        self.metrics = metrics
        self.clock = clock
        self.heartbeat = heartbeat
        // Validated when the configuration was loaded; an unparsable list would answer nobody.
        self.metricsAllow = (try? IPNetworkList(entries: config.metricsAllow)) ?? .empty
    }

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
        guard let reason = await health.notReadyReason() else { return JSONResult(OKDTO(ok: true)) }
        return JSONResult(OKDTO(ok: false, error: reason), status: .serviceUnavailable)
    }

    @Sendable func exposition(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard metricsAllow.contains(context.peerAddress) else { throw DomainError.forbidden("forbidden") }
        do {
            let depth = try await health.queueDepth()
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
