import Domain
import Hummingbird
import Storage
import Web

/// `/app/admin`: the operator console (queue, health, backups, nodes) above the analytics summary, for admins only
/// (the stored role). Its actions are plain form posts with the page's CSRF token that answer with a redirect back to
/// the console and a notice: `POST /app/admin/jobs/{id}/retry` and `POST /app/admin/backups`.
struct AdminPagesController: Sendable {
    /// How long "Back up now" waits for the backup before answering: a small database is copied by then; a large one
    /// carries on in the background and the console says so.
    static let backupWait = 5.0

    let kit: PageKit
    let analytics: AnalyticsService
    let operations: OperationsService
    let limits: BodyLimits

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/admin", use: admin)
        routes.on(.post, "/app/admin/jobs/{id}/retry", use: retry)
        routes.on(.post, "/app/admin/backups", use: backUpNow)
    }

    @Sendable func admin(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try await operations.requireAdmin(user)
        async let summary = analytics.summary(for: user)
        async let queue = operations.queue()
        async let health = operations.healthReport()
        async let nodes = operations.liveNodes()
        async let days = operations.eventsPerDay()
        let layout = try await kit.layout("Operator console", context: context, nav: .admin)
        guard let csrf = layout.user?.csrf else { throw DomainError.unauthorized("missing user") }
        let query = request.uri.queryParameters
        let notice = ConsoleNotice(notice: query.get("notice"), job: query.get("job"), file: query.get("file"))
        let console = ConsoleView(
            notice: notice.map { NoticeView(text: $0.text, isRefusal: $0.isRefusal) }, csrf: csrf, queue: QueueView(try await queue),
            health: HealthView(await health), backups: BackupsView(operations.backupOverview()),
            nodes: NodesView(try await nodes, this: operations.node, now: operations.clock.now()), events: EventsView(try await days))
        let dto = try await summary
        let counts = dto.last7d.keys.sorted().map { AdminPage.Count(name: $0, day: dto.last24h[$0] ?? 0, week: dto.last7d[$0] ?? 0) }
        let chart = BarChart(series: counts.map { ($0.name, $0.day, $0.week) })
        func rows(_ values: [String: Int], order: [String]) -> [AdminPage.Count] {
            order.map { AdminPage.Count(name: $0, day: 0, week: values[$0] ?? 0) }
        }
        let page = AdminPage(
            layout: layout, generatedAt: DisplayTime.text(dto.generatedAt), counts: counts, chart: chart,
            funnel: rows(dto.funnel7d, order: ["share", "view", "signup", "persona", "battle"]),
            remixFunnel: rows(dto.remixFunnel7d, order: ["public_views", "remix_clicked", "remix_started", "remix_completed"]),
            retention: rows(dto.retention7d, order: ["daily_return", "notification_clicked", "template_used_from_feed"]),
            console: console)
        return kit.render(page)
    }

    /// Re-queues a job that failed for good (through the active-job guard) and returns to the console.
    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await adminForm(request, context: context)
        let raw = context.pathParameter("id")
        guard raw.utf8.count <= 19, let job = Int64(raw), job > 0 else { throw DomainError.invalid("invalid job id") }
        let outcome = try await operations.retry(jobID: job, by: user)
        let notice: ConsoleNotice =
            switch outcome {
            case .requeued: .requeued(job: job)
            case .activeJobExists: .retryRefused(job: job)
            case .notFailed: .notFailed(job: job)
            }
        return HTMLPage.redirect(to: "/app/admin?" + notice.query)
    }

    /// Starts an online backup into `BACKUP_DIR` and returns to the console once it is written, or after
    /// `backupWait` with it still running.
    @Sendable func backUpNow(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await adminForm(request, context: context)
        let notice: ConsoleNotice
        switch operations.backups.start(userID: user) {
        case .unavailable: notice = .backupUnavailable
        case .busy: notice = .backupBusy
        case .started(let path):
            let file = ConsoleText.fileName(path)
            switch await operations.backups.result(of: path, waitingUpTo: Self.backupWait) {
            case nil: notice = .backupRunning(file: file)
            case let finished?: notice = finished.bytes == nil ? .backupFailed(file: file) : .backupWritten(file: file)
            }
        }
        return HTMLPage.redirect(to: "/app/admin?" + notice.query)
    }

    /// The admin behind a console form: a same-site post carrying this session's CSRF token, by a user with the
    /// stored admin role; else `403` (nothing is done).
    private func adminForm(_ request: Request, context: AppRequestContext) async throws -> String {
        guard kit.csrf.sameSite(request) else { throw DomainError.forbidden("invalid csrf token") }
        let fields = FormBody.parse(try await request.collectBody(limit: limits.publicRoutes))
        let user = try context.requireUser()
        guard let session = context.sessionToken, kit.csrf.verify(fields[CSRFGuard.formField], session: session) else {
            throw DomainError.forbidden("invalid csrf token")
        }
        try await operations.requireAdmin(user)
        return user
    }
}
