import Hummingbird
import ServiceLifecycle

/// The monitoring port of `serve --worker-only` (`WORKER_OBSERVABILITY_PORT`): `/healthz`, `/readyz` and
/// `/metrics`, on `BIND_ADDRESS`, so a process without the API can still be scraped and health-checked. The
/// worker's services run inside this application, so one graceful shutdown stops both.
enum ObservabilityServer {
    static func application(_ parts: AppParts, deps: AppDependencies) throws -> some ApplicationProtocol {
        let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
        let table = RouteTable()
        router.add(middleware: ErrorMiddleware())
        if deps.config.isProduction { router.add(middleware: HostGuardMiddleware(hosts: HostAllowList(config: deps.config))) }
        router.add(middleware: RouteGuardMiddleware(routes: table))
        OpsController(health: parts.health, metrics: parts.metrics, clock: deps.clock, heartbeat: parts.supervision.heartbeat, config: deps.config)
            .addRoutes(to: RouteRegistrar(group: router.group(), table: table))
        return Application(
            router: router,
            server: try httpServer(deps.config, metrics: parts.metrics),
            configuration: .init(address: .hostname(deps.config.bindAddress, port: deps.config.workerObservabilityPort), serverName: nil),
            services: parts.services,
            onServerRunning: {
                [supervision = parts.supervision, address = deps.config.bindAddress, pause = AcceptPauseHandler.install(logger: deps.logger)] in
                await pause($0)
                supervision.serverRunning($0, address: address, role: "worker")
            },
            logger: deps.logger
        )
    }
}
