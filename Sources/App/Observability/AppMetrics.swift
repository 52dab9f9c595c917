import Domain
import Foundation
import Prometheus
import Storage
import Synchronization

/// The application's Prometheus families, recorded into one injected registry.
public final class AppMetrics: Sendable {
    /// Seconds, per the contract: 0.005 … 10 (+Inf is implicit).
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Families always announced with `# HELP`/`# TYPE`, even before their first sample.
    static let families: [(name: String, type: String, help: String)] = [
        ("http_requests_total", "counter", "HTTP requests by method, route and status."),
        ("http_request_duration_seconds", "histogram", "HTTP request latency in seconds."),
        ("db_query_duration_seconds", "histogram", "Duration of database calls in seconds."),
        ("db_pool_connections_max", "gauge", "PostgreSQL connections the process's pool keeps at most (DATABASE_POOL_SIZE)."),
        ("db_pool_connections_in_use", "gauge", "Pooled PostgreSQL connections leased to a database call now."),
        ("db_pool_lease_waiting", "gauge", "Database calls waiting for a pooled PostgreSQL connection now."),
        ("db_pool_lease_wait_seconds", "histogram", "Time database calls waited for a pooled PostgreSQL connection, in seconds."),
        (
            "db_pool_lease_timeouts_total", "counter",
            "Database calls that gave up waiting for a pooled PostgreSQL connection (DB_QUERY_TIMEOUT or the request deadline passed)."
        ),
        ("queue_depth", "gauge", "Active jobs by type."),
        ("rate_limit_events_total", "counter", "Requests rejected by a rate limit."),
        ("shedding_active", "gauge", "1 while adaptive shedding halves the anonymous public-write limit."),
        ("http_connections_open", "gauge", "Client connections open now (MAX_CONNECTIONS caps them)."),
        ("http_connections_refused_total", "counter", "Connections refused by MAX_CONNECTIONS or MAX_CONNECTIONS_PER_IP, by reason."),
        ("jobs_processed_total", "counter", "Jobs finished by type and status (done, retry, failed)."),
        ("job_retries_total", "counter", "Retryable job failures by type."),
        ("job_duration_seconds", "histogram", "Job run time from claim to outcome, by type."),
        ("jobs_trace_total", "counter", "Finished jobs by whether they carried a trace id."),
        ("llm_requests_total", "counter", "LLM provider calls by operation and outcome."),
        ("llm_request_duration_seconds", "histogram", "LLM provider call latency in seconds."),
        ("llm_cache_hits_total", "counter", "LLM response cache hits."),
        ("llm_cache_misses_total", "counter", "LLM response cache misses."),
        (
            "thread_summary_provider_calls_total", "counter",
            "Provider calls made for thread summaries, by trigger (view, warm) and outcome (ok, error).",
        ),
        ("backup_last_success_timestamp_seconds", "gauge", "Unix time of the newest scheduled backup that was taken and verified."),
        ("backup_failures_total", "counter", "Scheduled backups that failed (copy, verification or disk)."),
        ("backup_interval_seconds", "gauge", "Seconds between scheduled backups (BACKUP_EVERY) in the process that takes them."),
        ("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds."),
        ("process_uptime_seconds", "gauge", "Seconds since the process started."),
        ("process_resident_memory_bytes", "gauge", "Resident memory size in bytes."),
    ]

    public let registry: PrometheusCollectorRegistry
    /// The last hour per minute, for the operator console.
    let recent: RecentActivity
    /// When this process started (the console shows its uptime beside its own figures).
    let startedAt: Timestamp
    private let dbDuration: ValueHistogram
    private let startTime: Double
    private let startGauge: Gauge
    private let uptimeGauge: Gauge
    private let rssGauge: Gauge
    private let openConnections: Gauge
    private let requestInstruments = Mutex<[RequestKey: (Counter, ValueHistogram)]>([:])
    /// The engine's pool figures, read at each scrape (nil: SQLite, no pool).
    private let poolFigures = Mutex<(@Sendable () -> ConnectionPoolFigures)?>(nil)

    public init(registry: PrometheusCollectorRegistry, clock: any AppClock) {
        self.registry = registry
        self.recent = RecentActivity(clock: clock)
        self.dbDuration = registry.makeValueHistogram(descriptor: Self.descriptor("db_query_duration_seconds"), buckets: Self.buckets)
        self.startedAt = clock.now()
        self.startTime = Double(startedAt.microseconds) / 1e6
        self.startGauge = registry.makeGauge(descriptor: Self.descriptor("process_start_time_seconds"), labels: [])
        self.uptimeGauge = registry.makeGauge(descriptor: Self.descriptor("process_uptime_seconds"), labels: [])
        self.rssGauge = registry.makeGauge(descriptor: Self.descriptor("process_resident_memory_bytes"), labels: [])
        self.openConnections = registry.makeGauge(descriptor: Self.descriptor("http_connections_open"), labels: [])
        startGauge.set(startTime)
    }

    static func help(_ name: String) -> String { families.first { $0.name == name }?.help ?? "" }

    /// A family's full name with its help text (the name is not split into base and unit: it is used as written).
    static func descriptor(_ name: String) -> MetricNameDescriptor { .init(metricName: name, unitName: "", helpText: help(name)) }

    /// Counts one finished request and its latency. Instruments are looked up once per label set.
    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let key = RequestKey(method: method, route: route, status: status)
        let instruments = requestInstruments.withLock { cache -> (Counter, ValueHistogram) in
            if let hit = cache[key] { return hit }
            let made = (
                registry.makeCounter(
                    descriptor: Self.descriptor("http_requests_total"),
                    labels: [("method", method), ("route", route), ("status", String(status))]),
                registry.makeValueHistogram(
                    descriptor: Self.descriptor("http_request_duration_seconds"),
                    labels: [("method", method), ("route", route)], buckets: Self.buckets)
            )
            cache[key] = made
            return made
        }
        instruments.0.increment()
        instruments.1.record(seconds)
    }

    /// Labels of a request series.
    private struct RequestKey: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    /// Observes one database call.
    public func recordDatabaseCall(seconds: Double) { dbDuration.record(seconds) }

    /// What the engine's pool reports as it happens: lease waits and leases that timed out. Only an engine with a pool
    /// calls it, so on SQLite the families stay without samples.
    var poolObserver: ConnectionPoolObserver {
        ConnectionPoolObserver(
            leased: { [registry] seconds in Self.leaseWait(registry).record(seconds) },
            timedOut: { [registry] in Self.leaseTimeouts(registry).increment() })
    }

    /// Exports the pool's figures from now on (read at each scrape), and the wait histogram and timeout counter at 0 so
    /// that the first timeout after a start counts towards `increase()`.
    func watchPool(_ figures: @escaping @Sendable () -> ConnectionPoolFigures) {
        _ = Self.leaseWait(registry)
        _ = Self.leaseTimeouts(registry)
        poolFigures.withLock { $0 = figures }
    }

    private static func leaseWait(_ registry: PrometheusCollectorRegistry) -> ValueHistogram {
        registry.makeValueHistogram(descriptor: descriptor("db_pool_lease_wait_seconds"), buckets: buckets)
    }

    private static func leaseTimeouts(_ registry: PrometheusCollectorRegistry) -> Counter {
        registry.makeCounter(descriptor: descriptor("db_pool_lease_timeouts_total"))
    }

    /// Counts a rate-limit rejection.
    func recordRateLimited(scope: String, endpoint: String) {
        recent.rateLimited.add(endpoint)
        registry.makeCounter(descriptor: Self.descriptor("rate_limit_events_total"), labels: [("endpoint", endpoint), ("scope", scope)]).increment()
    }

    /// Counts a finished job: `jobs_processed_total`, `job_duration_seconds`, `jobs_trace_total`.
    func recordJob(type: String, status: String, seconds: Double, traced: Bool) {
        registry.makeCounter(descriptor: Self.descriptor("jobs_processed_total"), labels: [("status", status), ("type", type)]).increment()
        registry.makeValueHistogram(descriptor: Self.descriptor("job_duration_seconds"), labels: [("type", type)], buckets: Self.buckets).record(
            seconds)
        registry.makeCounter(
            descriptor: Self.descriptor("jobs_trace_total"),
            labels: [("status", status), ("trace", traced ? "present" : "missing"), ("type", type)]
        ).increment()
    }

    /// Counts a retryable job failure.
    func recordJobRetry(type: String) {
        registry.makeCounter(descriptor: Self.descriptor("job_retries_total"), labels: [("type", type)]).increment()
    }

    /// Counts one LLM provider call.
    func recordLLMCall(op: String, outcome: String, seconds: Double) {
        recent.llmCalls.add(outcome)
        registry.makeCounter(descriptor: Self.descriptor("llm_requests_total"), labels: [("op", op), ("outcome", outcome)]).increment()
        registry.makeValueHistogram(descriptor: Self.descriptor("llm_request_duration_seconds"), labels: [("op", op)], buckets: Self.buckets).record(
            seconds)
    }

    /// Counts a cache lookup.
    func recordLLMCache(hit: Bool) {
        recent.llmCache.add(hit ? "hit" : "miss")
        let name = hit ? "llm_cache_hits_total" : "llm_cache_misses_total"
        registry.makeCounter(descriptor: Self.descriptor(name), labels: []).increment()
    }

    /// Counts one provider call for a thread summary (views of one thread state share a call; see `SingleFlight`).
    func recordThreadSummaryCall(trigger: String, outcome: String) {
        registry.makeCounter(
            descriptor: Self.descriptor("thread_summary_provider_calls_total"), labels: [("outcome", outcome), ("trigger", trigger)]
        ).increment()
    }

    /// Whether adaptive shedding is on.
    func setShedding(active: Bool) {
        registry.makeGauge(descriptor: Self.descriptor("shedding_active"), labels: []).set(Double(active ? 1 : 0))
    }

    /// Sets the open-connections gauge.
    func setOpenConnections(_ count: Int) { openConnections.set(Double(count)) }

    /// Counts a refused connection (`reason`: `max_connections` or `max_connections_per_ip`).
    func recordConnectionRefused(reason: String) {
        registry.makeCounter(descriptor: Self.descriptor("http_connections_refused_total"), labels: [("reason", reason)]).increment()
    }

    /// Sets a queue depth gauge.
    func setQueueDepth(type: String, depth: Int) {
        registry.makeGauge(descriptor: Self.descriptor("queue_depth"), labels: [("type", type)]).set(Double(depth))
    }

    /// A scheduled backup finished and was verified at `at` (also set at start from the newest backup on disk).
    func recordBackupSuccess(at: Timestamp) {
        registry.makeGauge(descriptor: Self.descriptor("backup_last_success_timestamp_seconds"))
            .set(Double(at.microseconds) / 1e6)
    }

    /// A scheduled backup failed.
    func recordBackupFailure() { backupFailures().increment() }

    /// Creates the failure counter at 0, so the process that takes backups exports it before the first failure
    /// (a rate over a series that does not exist yet would hide the first one), and exports the configured
    /// interval, so an alert can compare the last success's age with twice `BACKUP_EVERY` without a copy of the
    /// setting in the rules.
    func announceBackups(interval: Double) {
        _ = backupFailures()
        registry.makeGauge(descriptor: Self.descriptor("backup_interval_seconds")).set(interval)
    }

    /// Creates the job outcome and retry counters at 0 for each job type, in the process that runs the worker:
    /// `increase()` over a counter that appears at 1 misses that first event, so without these the first
    /// failure or retry after a start would never count towards the job alerts.
    func announceJobs(types: [String], statuses: [String]) {
        for type in types {
            for status in statuses {
                _ = registry.makeCounter(descriptor: Self.descriptor("jobs_processed_total"), labels: [("status", status), ("type", type)])
            }
            _ = registry.makeCounter(descriptor: Self.descriptor("job_retries_total"), labels: [("type", type)])
        }
    }

    private func backupFailures() -> Counter {
        registry.makeCounter(descriptor: Self.descriptor("backup_failures_total"))
    }

    /// The exposition text, with process gauges refreshed and every family announced.
    func render(now: Timestamp) -> String {
        uptimeGauge.set(Double(now.microseconds) / 1e6 - startTime)
        rssGauge.set(Double(Self.residentMemoryBytes()))
        if let figures = poolFigures.withLock({ $0 })?() {
            registry.makeGauge(descriptor: Self.descriptor("db_pool_connections_max")).set(Double(figures.size))
            registry.makeGauge(descriptor: Self.descriptor("db_pool_connections_in_use")).set(Double(figures.inUse))
            registry.makeGauge(descriptor: Self.descriptor("db_pool_lease_waiting")).set(Double(figures.waiting))
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        var text = String(decoding: buffer, as: UTF8.self)
        for family in Self.families where !text.contains("# TYPE \(family.name) ") {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
        }
        return text
    }

    /// RSS from /proc/self/statm (0 where unavailable).
    static func residentMemoryBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
